import InstallCrypto
import Synchronization
import Testing

@testable import InstallFlow

/// A configuration, a fixed clock, fixed-but-distinct randomness and a recording hook: the flow as
/// a plain value, no sockets.
enum Fixture {
    /// The repository root, found from this file's path (Tests/InstallFlowTests/Fixture.swift).
    static let repositoryRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    static let keyA = Base64URL.encode([UInt8](repeating: 0xA1, count: 32))
    static let keyB = Base64URL.encode([UInt8](repeating: 0xB2, count: 32))
    static let start: Int64 = 1_790_000_000

    static let baseEnvironment: [String: String] = [
        "HUBSPOT_CLIENT_ID": "9b4a5e2c-1f3d-4a8b-9c7e-6d5f4e3c2b1a",
        "HUBSPOT_REDIRECT_URI": "https://install.example.com/oauth/callback",
        "HUBSPOT_SCOPES": "oauth contacts",
        "HUBSPOT_OPTIONAL_SCOPES": "automation",
        "INSTALL_STATE_KEYS": keyA,
        "INSTALL_TOKEN_HOOK": "exec:/bin/true",
        "INSTALL_PUBLIC_DIR": repositoryRoot + "/public",
        "INSTALL_APP_NAME": "Acme Sync",
    ]

    static func environment(_ changes: [String: String?] = [:]) -> [String: String] {
        var environment = baseEnvironment
        for (key, value) in changes { environment[key] = value }
        return environment
    }

    static func configuration(_ changes: [String: String?] = [:]) throws(ConfigurationError) -> Configuration {
        try Configuration.load(
            environment: environment(changes), configFile: nil, workingDirectory: repositoryRoot, readingSecrets: true)
    }
}

/// A hook that records what it was given and answers as told.
final class RecordingHook: TokenHook {
    private let calls = Mutex<[AuthorizationGrant]>([])
    private let answer: @Sendable (AuthorizationGrant) throws(HookFailure) -> HookOutcome

    init(answer: @escaping @Sendable (AuthorizationGrant) throws(HookFailure) -> HookOutcome = { _ in HookOutcome() }) {
        self.answer = answer
    }

    func exchange(_ grant: AuthorizationGrant) throws(HookFailure) -> HookOutcome {
        calls.withLock { $0.append(grant) }
        return try answer(grant)
    }

    var grants: [AuthorizationGrant] { calls.withLock { $0 } }

    /// Forgets the calls so far (a scenario that needs one genuine call before the hostile one).
    func reset() { calls.withLock { $0.removeAll() } }
}

/// A clock tests can move.
final class TestClock: Sendable {
    private let value = Atomic<Int64>(Fixture.start)
    var now: Int64 {
        get { value.load(ordering: .relaxed) }
        set { value.store(newValue, ordering: .relaxed) }
    }
}

/// The responder with its test doubles, and helpers that act like a browser and like HubSpot.
struct Flow {
    let responder: InstallResponder
    let hook: RecordingHook
    let clock: TestClock
    let configuration: Configuration

    init(
        _ changes: [String: String?] = [:], hook: RecordingHook = RecordingHook(), hookSlots: Int = 1,
        nonces: any NonceStore = MemoryNonceStore()
    ) throws {
        configuration = try Fixture.configuration(changes)
        let clock = TestClock()
        let counter = Atomic<UInt8>(0)
        self.clock = clock
        self.hook = hook
        responder = InstallResponder(
            configuration: configuration, pages: try Pages.load(configuration: configuration), hook: hook,
            nonces: nonces,
            environment: FlowEnvironment(
                now: { clock.now },
                // Distinct, reproducible bytes per call.
                randomBytes: { count in
                    let seed = counter.add(1, ordering: .relaxed).newValue
                    return (0..<count).map { UInt8(truncatingIfNeeded: Int(seed) &* 31 &+ $0 &* 7) }
                }),
            hookSlots: hookSlots)
    }

    init(responder: InstallResponder, hook: RecordingHook, clock: TestClock, configuration: Configuration) {
        self.responder = responder
        self.hook = hook
        self.clock = clock
        self.configuration = configuration
    }

    func get(_ uri: String, cookie: String? = nil, method: String = "GET") -> Response {
        var parameters = ["REQUEST_METHOD": method, "REQUEST_URI": uri]
        parameters["HTTP_COOKIE"] = cookie
        return responder.respond(to: Request(parameters: parameters))
    }

    /// Starts an install as a browser would: the state HubSpot will echo and the cookie to send back.
    func begin(cookie: String? = nil) -> (state: String, cookie: String) {
        let response = get("/oauth/authorize", cookie: cookie)
        let location = response.header("Location") ?? ""
        let state = String(location.split(separator: "&").first { $0.hasPrefix("state=") }?.dropFirst(6) ?? "")
        let setCookie = response.header("Set-Cookie") ?? ""
        return (state, String(setCookie.split(separator: ";")[0]))
    }

    func body(_ response: Response) -> String { String(decoding: response.body, as: UTF8.self) }
}
