import InstallFlow
import Synchronization

/// The whole responder as `serve` runs it, apart from its doubles: a fixed clock, counting
/// randomness, nonces in memory, and a hook that answers what the current input tells it to.
final class ResponderUnderFuzz: Sendable {
    static let shared = ResponderUnderFuzz()

    let responder: InstallResponder
    let configuration: Configuration
    /// Every page as it can be served: text in a response that is in none of them came from somewhere.
    let pageText: [UInt8]
    private let doubles = Doubles()

    /// What the hook and the randomness read, apart from the responder so its closures can hold it.
    private final class Doubles: Sendable {
        let nextAnswer = Mutex<Result<HookOutcome, HookFailure>>(.success(HookOutcome()))
        let counter = Atomic<UInt64>(0)
    }

    private init() {
        // The repository's own pages (public/), found from this file's path: Sources/FuzzHarnesses/<file>.
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let root = parts.joined(separator: "/")
        let settings: [Setting: String] = [
            .clientID: "9b4a5e2c-1f3d-4a8b-9c7e-6d5f4e3c2b1a",
            .redirectURI: "https://install.example.com/oauth/callback",
            .scopes: "oauth contacts",
            .optionalScopes: "automation",
            .stateKeys: "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo",
            .tokenHook: "exec:/bin/true",
            .publicDirectory: root + "/public",
            .appName: "Acme Sync",
        ]
        let environment = Dictionary(uniqueKeysWithValues: settings.map { ($0.key.rawValue, $0.value) })
        do {
            configuration = try Configuration.load(
                environment: environment, configFile: nil, workingDirectory: root, readingSecrets: false)
            let pages = try Pages.load(configuration: configuration)
            pageText = Page.allCases.flatMap { pages.body($0) + [0] }
            let doubles = doubles
            responder = InstallResponder(
                configuration: configuration, pages: pages,
                hook: ClosureTokenHook { _ throws(HookFailure) in try doubles.nextAnswer.withLock { $0 }.get() },
                nonces: MemoryNonceStore(),
                environment: FlowEnvironment(
                    now: { FuzzKeys.now },
                    randomBytes: { count in
                        // Distinct every time, so each authorize mints a state never used before.
                        let n = doubles.counter.add(1, ordering: .relaxed).newValue
                        return (0..<count).map { UInt8(truncatingIfNeeded: n >> (($0 % 8) * 8)) ^ UInt8($0) }
                    }))
        } catch {
            fatalError("the fuzz configuration does not load: \(error)")
        }
    }

    /// The hook's answer to the next callback that reaches it.
    func hookWillAnswer(_ answer: Result<HookOutcome, HookFailure>) {
        doubles.nextAnswer.withLock { $0 = answer }
    }
}
