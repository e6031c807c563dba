import Glibc
import Testing

@testable import InstallFlow

/// The directories that hold one-time markers (and tokens) and the files that hold secrets are
/// checked for who could change them. CI runs the tests as root, which must be no exception: the
/// cases that need another owner run only as root (only root can chown).
struct FileModeTests {
    static let otherUser: uid_t = 4242

    /// A fresh directory of its own, removed with its contents afterwards.
    final class Scratch {
        let path: String
        init() {
            var template = Array("/tmp/hubspot-install-modes-XXXXXX".utf8CString)
            path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        }
        deinit {
            for name in ["d", "f", "keys"] {
                rmdir(path + "/" + name)
                unlink(path + "/" + name)
            }
            rmdir(path)
        }

        func directory(mode: mode_t, owner: uid_t? = nil) -> String {
            let directory = path + "/d"
            mkdir(directory, 0o700)
            chmod(directory, mode)
            if let owner { chown(directory, owner, getgid()) }
            return directory
        }

        func file(_ name: String = "f", text: String = "x", mode: mode_t, owner: uid_t? = nil) -> String {
            let file = path + "/" + name
            let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            _ = text.withCString { write(fd, $0, strlen($0)) }
            close(fd)
            chmod(file, mode)
            if let owner { chown(file, owner, getgid()) }
            return file
        }
    }

    @Test(arguments: [
        (mode_t(0o700), true), (0o750, true), (0o755, true), (0o500, true), (0o770, false),
        (0o720, false), (0o702, false), (0o777, false), (0o1777, false), (0o2770, false),
    ])
    func directoryWritableByGroupOrOthersIsRefused(_ mode: mode_t, _ accepted: Bool) {
        let scratch = Scratch()
        let problem = FileSystem.ownershipProblem(scratch.directory(mode: mode))
        #expect((problem == nil) == accepted, "mode \(String(mode, radix: 8)): \(problem ?? "accepted")")
        if let problem { #expect(problem.contains("writable by its group or by every user")) }
    }

    @Test(.enabled(if: getuid() == 0, "only root can give a directory to another user"))
    func asRootADirectoryOfAnotherUserIsRefused() {
        let scratch = Scratch()
        let problem = FileSystem.ownershipProblem(scratch.directory(mode: 0o700, owner: Self.otherUser))
        #expect(problem?.contains("is owned by another user (uid 4242)") == true)
    }

    @Test(.enabled(if: getuid() == 0, "the root case"))
    func asRootARootOwnedPrivateDirectoryIsAccepted() {
        let scratch = Scratch()
        #expect(FileSystem.ownershipProblem(scratch.directory(mode: 0o700, owner: 0)) == nil)
    }

    @Test func missingDirectoryIsAProblem() {
        #expect(FileSystem.ownershipProblem("/nonexistent/hubspot-install-\(getpid())") != nil)
    }

    @Test(arguments: [
        (mode_t(0o600), false), (0o400, false), (0o640, true), (0o604, true), (0o644, true),
    ])
    func secretFileReadableByGroupOrOthersIsAWarning(_ mode: mode_t, _ warned: Bool) {
        let scratch = Scratch()
        let (error, warning) = FileSystem.secretFileProblem(scratch.file(mode: mode))
        #expect(error == nil)
        #expect((warning != nil) == warned, "mode \(String(mode, radix: 8))")
    }

    /// Whoever may write the file may put in a secret they know (a token key, a state key).
    @Test(arguments: [mode_t(0o620), 0o602, 0o660, 0o666])
    func secretFileWritableByGroupOrOthersIsAnError(_ mode: mode_t) {
        let scratch = Scratch()
        let (error, _) = FileSystem.secretFileProblem(scratch.file(mode: mode))
        #expect(error?.contains("is writable by its group or by every user") == true, "mode \(String(mode, radix: 8))")
    }

    @Test(.enabled(if: getuid() == 0, "only root can give a file to another user"))
    func asRootASecretFileOfAnotherUserIsAnError() {
        let scratch = Scratch()
        let (error, _) = FileSystem.secretFileProblem(scratch.file(mode: 0o600, owner: Self.otherUser))
        #expect(error?.contains("owned by another user (uid 4242)") == true)
        let (rootError, rootWarning) = FileSystem.secretFileProblem(scratch.file(mode: 0o600, owner: 0))
        #expect(rootError == nil && rootWarning == nil)
    }

    // MARK: - through the configuration, naming the key

    @Test(arguments: [
        "INSTALL_STATE_KEYS_FILE", "HUBSPOT_CLIENT_SECRET_FILE", "INSTALL_WEBHOOK_KEY_FILE", "INSTALL_TOKEN_KEYS_FILE",
    ])
    func looseSecretFileIsAWarningNamingTheKey(_ key: String) throws {
        let scratch = Scratch()
        let file = scratch.file("keys", text: Fixture.keyA, mode: 0o644)
        let configuration = try Fixture.configuration(Self.settings(key, file))
        #expect(configuration.warnings.contains { $0.key == key && $0.message.contains("readable by its group") })
    }

    /// The responder never opens the token program's secret files, and the token program's check
    /// cannot pass its warnings on: the responder's own `check` finds a loose mode with `stat`.
    @Test(arguments: ["HUBSPOT_CLIENT_SECRET_FILE", "INSTALL_WEBHOOK_KEY_FILE", "INSTALL_TOKEN_KEYS_FILE"])
    func theResponderWarnsOfALooseTokenSideSecretFileWithoutOpeningIt(_ key: String) throws {
        let scratch = Scratch()
        let file = scratch.file("keys", text: Fixture.keyA, mode: 0o644)
        let configuration = try Configuration.load(
            environment: Fixture.environment(Self.settings(key, file)), configFile: nil,
            workingDirectory: Fixture.repositoryRoot, readingSecrets: false)
        #expect(configuration.warnings.contains { $0.key == key && $0.message.contains("readable by its group") })
    }

    @Test(
        .enabled(if: getuid() == 0, "only root can give a file to another user"),
        arguments: [
            "INSTALL_STATE_KEYS_FILE", "HUBSPOT_CLIENT_SECRET_FILE", "INSTALL_WEBHOOK_KEY_FILE",
            "INSTALL_TOKEN_KEYS_FILE",
        ])
    func secretFileOfAnotherUserIsAnErrorNamingTheKey(_ key: String) {
        let scratch = Scratch()
        let file = scratch.file("keys", text: Fixture.keyA, mode: 0o600, owner: Self.otherUser)
        #expect {
            try Fixture.configuration(Self.settings(key, file))
        } throws: { error in
            (error as? ConfigurationError)?.problems.contains {
                $0.key == key && !$0.isWarning && $0.message.contains("owned by another user")
            } == true
        }
    }

    /// The configuration changes that make `key` the file a secret is read from.
    static func settings(_ key: String, _ file: String) -> [String: String?] {
        switch key {
        case "INSTALL_STATE_KEYS_FILE": return ["INSTALL_STATE_KEYS": nil, key: file]
        case "INSTALL_TOKEN_KEYS_FILE":
            return [
                "INSTALL_TOKEN_HOOK": "hubspot", "HUBSPOT_CLIENT_SECRET": "s", key: file,
                "INSTALL_TOKEN_DB": "/tmp/unused.sqlite3",
            ]
        case "HUBSPOT_CLIENT_SECRET_FILE":
            return ["INSTALL_TOKEN_HOOK": "hubspot", key: file, "INSTALL_TOKEN_DB": "/tmp/unused.sqlite3"]
        default: return ["INSTALL_TOKEN_HOOK": "webhook:https://hooks.example/install", key: file]
        }
    }

    @Test(arguments: [mode_t(0o770), 0o777, 0o1777])
    func responderRefusesAStateDirectoryOthersCanWrite(_ mode: mode_t) throws {
        let scratch = Scratch()
        let directory = scratch.directory(mode: mode)
        let configuration = try Fixture.configuration(["INSTALL_STATE_DIR": directory])
        #expect(throws: ConfigurationError.self) {
            try InstallResponder(configuration: configuration, hook: RecordingHook(), threads: 4)
        }
        do {
            _ = try InstallResponder(configuration: configuration, hook: RecordingHook(), threads: 4)
        } catch {
            #expect(error.problems.map(\.key) == ["INSTALL_STATE_DIR"])
        }
    }

    @Test(.enabled(if: getuid() == 0, "the root case: another user's directory is refused even for root"))
    func responderAsRootRefusesAStateDirectoryOfAnotherUser() throws {
        let scratch = Scratch()
        let directory = scratch.directory(mode: 0o700, owner: Self.otherUser)
        let configuration = try Fixture.configuration(["INSTALL_STATE_DIR": directory])
        do {
            _ = try InstallResponder(configuration: configuration, hook: RecordingHook(), threads: 4)
            Issue.record("a state directory of uid \(Self.otherUser) was accepted")
        } catch {
            #expect(error.problems.map(\.key) == ["INSTALL_STATE_DIR"])
        }
    }

    @Test func responderTakesItsOwnPrivateStateDirectory() throws {
        let scratch = Scratch()
        let configuration = try Fixture.configuration(["INSTALL_STATE_DIR": scratch.directory(mode: 0o700)])
        _ = try InstallResponder(configuration: configuration, hook: RecordingHook(), threads: 4)
    }
}
