import Glibc
import InstallCrypto
import InstallFlow

/// In-process cost of the flow's own work, no sockets: minting a state (`/oauth/authorize`) and
/// verifying a callback (query parse, cookie, state check), with and without the rest of the
/// callback (one-time marker in memory, a hook that does nothing, the redirect response).
enum StateBench {
    static func run(arguments: [String]) {
        let iterations = arguments.first.flatMap(Int.init) ?? 200_000
        let configuration: Configuration
        do {
            configuration = try Configuration.load(
                environment: [
                    "HUBSPOT_CLIENT_ID": "9b4a5e2c-1f3d-4a8b-9c7e-6d5f4e3c2b1a",
                    "HUBSPOT_REDIRECT_URI": "https://install.example.com/oauth/callback",
                    "HUBSPOT_SCOPES": "oauth contacts", "INSTALL_STATE_KEYS": StateKeyGenerator.newKey(),
                    "INSTALL_TOKEN_HOOK": "exec:/bin/true", "INSTALL_PUBLIC_DIR": "/",
                ], configFile: nil, readingSecrets: false)
        } catch {
            fail("configuration: \(error)")
        }
        let signer = StateSigner(keys: configuration.stateKeys, ttl: configuration.stateTTL)
        let cookie = BindingCookie(isHTTPS: true, ttl: 600)
        let binding = SecureRandom.bytes(count: 32)
        let nonce = SecureRandom.bytes(count: 32)
        let now: Int64 = 1_790_000_000

        var sink = 0
        let mint = measure(iterations) {
            sink &+= signer.mint(binding: binding, nonce: nonce, issuedAt: now).utf8.count
        }
        let state = signer.mint(binding: binding, nonce: nonce, issuedAt: now)
        let query = "code=9f3c1a2b-4d5e-6f70-8192-a3b4c5d6e7f8&state=" + state
        let cookieHeader = "_ga=GA1.1.123; " + String(cookie.setCookie(binding).split(separator: ";")[0])
        let verify = measure(iterations) {
            guard case .success(let parsed) = CallbackQuery.parse(query), let text = parsed.state,
                case .value(let bytes) = cookie.find(in: cookieHeader),
                case .success(let verified) = signer.verify(text, binding: bytes, now: now)
            else { fail("verification failed") }
            sink &+= verified.nonce.count
        }

        let verifyState = measure(iterations) {
            guard case .success(let verified) = signer.verify(state, binding: binding, now: now) else {
                fail("verification failed")
            }
            sink &+= verified.nonce.count
        }

        let responder = InstallResponder(
            configuration: configuration, pages: Pages(bodies: [:]),
            hook: ClosureTokenHook { _ in HookOutcome() }, nonces: AlwaysClaims(),
            environment: FlowEnvironment(now: { now }, randomBytes: { SecureRandom.bytes(count: $0) }))
        let request = Request(parameters: [
            "REQUEST_METHOD": "GET", "REQUEST_URI": "/oauth/callback?" + query, "HTTP_COOKIE": cookieHeader,
        ])
        let callback = measure(iterations / 2) {
            let response = responder.respond(to: request)
            guard response.status == 303 else { fail("callback answered \(response.status) \(response.reason)") }
            sink &+= response.serialized().count
        }
        let authorize = Request(parameters: ["REQUEST_METHOD": "GET", "REQUEST_URI": "/oauth/authorize"])
        let authorizeRoute = measure(iterations / 2) {
            sink &+= responder.respond(to: authorize).serialized().count
        }
        print("state mint (sign):                         \(format(mint)) ns")
        print("state verify (tag, age):                   \(format(verifyState)) ns")
        print("state sign + verify:                       \(format(mint + verifyState)) ns (target <= 2000)")
        print("callback verification (parse + verify):    \(format(verify)) ns (query, cookie and state)")
        print("whole /oauth/authorize response:           \(format(authorizeRoute)) ns (incl. getrandom)")
        print("whole callback response, hook excluded:    \(format(callback)) ns")
        if sink == 42 { print("") }
    }

    /// Best of five passes, nanoseconds per iteration.
    static func measure(_ iterations: Int, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<5 {
            var begin = timespec()
            clock_gettime(CLOCK_MONOTONIC, &begin)
            for _ in 0..<iterations { body() }
            var end = timespec()
            clock_gettime(CLOCK_MONOTONIC, &end)
            let nanoseconds = Double(end.tv_sec - begin.tv_sec) * 1e9 + Double(end.tv_nsec - begin.tv_nsec)
            best = min(best, nanoseconds / Double(iterations))
        }
        return best
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        let text = String(rounded)
        return String(repeating: " ", count: max(0, 8 - text.count)) + text
    }
}

/// A marker store that always claims: the benchmark replays one state on purpose.
private final class AlwaysClaims: NonceStore {
    func claim(nonce: [UInt8], issuedAt: Int64, now: Int64) -> NonceClaim { .claimed }
    func wasClaimed(nonce: [UInt8]) -> Bool { false }
}
