import Glibc
import InstallCrypto
import Testing

@testable import InstallFlow

/// `INSTALL_TOKEN_KEYS(_FILE)`: read and checked by the token program, only named for the
/// responder; a hubspot hook without them is a warning, a bad key an error that never shows it.
struct TokenKeysConfigurationTests {
    static let hubspot: [String: String?] = [
        "INSTALL_TOKEN_HOOK": "hubspot", "HUBSPOT_CLIENT_SECRET": "s", "INSTALL_TOKEN_DB": "/tmp/unused.sqlite3",
    ]

    func load(_ changes: [String: String?], readingSecrets: Bool = true) throws(ConfigurationError) -> Configuration {
        try Configuration.load(
            environment: Fixture.environment(Self.hubspot.merging(changes) { $1 }), configFile: nil,
            workingDirectory: Fixture.repositoryRoot, readingSecrets: readingSecrets)
    }

    @Test func keysAreReadInOrderSeparatedLikeTheStateKeys() throws {
        let configuration = try load(["INSTALL_TOKEN_KEYS": " \(Fixture.keyB)\n\t\(Fixture.keyA) "])
        #expect(
            configuration.tokenKeys.map(\.bytes) == [Base64URL.decode(Fixture.keyB)!, Base64URL.decode(Fixture.keyA)!])
        #expect(!configuration.warnings.contains { $0.key.hasPrefix("INSTALL_TOKEN_KEYS") })
    }

    @Test(arguments: [true, false])
    func theHubSpotHookWithoutKeysIsAWarning(readingSecrets: Bool) throws {
        let configuration = try load([:], readingSecrets: readingSecrets)
        #expect(configuration.tokenKeys.isEmpty)
        // `check` says so (its summary), `serve` does not repeat it at every start.
        #expect(!configuration.warnings.contains { $0.key == "INSTALL_TOKEN_KEYS" })
        let warning = try #require(configuration.tokensInClearWarning)
        #expect(configuration.summary().hasSuffix("\n" + warning.description))
        #expect(warning.description.hasPrefix("warning: INSTALL_TOKEN_KEYS: not set: the hubspot hook stores"))
        #expect(
            try load(["INSTALL_TOKEN_KEYS": Fixture.keyA], readingSecrets: readingSecrets).tokensInClearWarning == nil)
        #expect(try load(["INSTALL_TOKEN_KEYS_FILE": "/k"], readingSecrets: false).tokensInClearWarning == nil)
        // Other hooks store no tokens.
        let exec = try Configuration.load(environment: Fixture.environment(), configFile: nil, readingSecrets: true)
        #expect(exec.tokensInClearWarning == nil)
    }

    static let short = Base64URL.encode([UInt8](repeating: 0x44, count: 31))
    static let long = Base64URL.encode([UInt8](repeating: 0x55, count: 48))

    @Test(arguments: [
        ("\(Fixture.keyA) \(short)", "key 2 is 31 bytes; token keys are exactly 32", short),
        (long, "the key is 48 bytes; token keys are exactly 32", long),
        ("\(Fixture.keyA) not+base64/url=", "key 2 is not base64url without padding", "not+base64"),
    ])
    func badKeysAreErrorsNamingTheVariableNeverTheKey(_ text: String, _ words: String, _ secret: String) {
        let error = #expect(throws: ConfigurationError.self) { try load(["INSTALL_TOKEN_KEYS": text]) }
        let problem = error?.problems.first { $0.key == "INSTALL_TOKEN_KEYS" && !$0.isWarning }
        #expect(problem?.message.hasPrefix(words) == true, "\(error?.problems ?? [])")
        #expect(error?.problems.contains { $0.description.contains(secret) } == false)
    }

    @Test(arguments: [true, false])
    func tokensInClearAreReadOrRefusedAndRefusingNeedsKeys(readingSecrets: Bool) throws {
        #expect(try load([:], readingSecrets: readingSecrets).refusesTokensInClear == false)
        let keys = ["INSTALL_TOKEN_KEYS": Fixture.keyA]
        #expect(
            try load(keys.merging(["INSTALL_TOKENS_IN_CLEAR": "read"]) { $1 }, readingSecrets: readingSecrets)
                .refusesTokensInClear == false)
        let strict = try load(
            keys.merging(["INSTALL_TOKENS_IN_CLEAR": "refuse"]) { $1 }, readingSecrets: readingSecrets)
        #expect(strict.refusesTokensInClear && !strict.warnings.contains { $0.key == "INSTALL_TOKENS_IN_CLEAR" })
        let withoutKeys = #expect(throws: ConfigurationError.self) {
            try load(["INSTALL_TOKENS_IN_CLEAR": "refuse"], readingSecrets: readingSecrets)
        }
        #expect(
            withoutKeys?.problems.contains {
                $0.key == "INSTALL_TOKENS_IN_CLEAR" && $0.message.hasPrefix("refuse needs INSTALL_TOKEN_KEYS")
            } == true)
        let unknown = #expect(throws: ConfigurationError.self) {
            try load(keys.merging(["INSTALL_TOKENS_IN_CLEAR": "yes"]) { $1 }, readingSecrets: readingSecrets)
        }
        #expect(unknown?.problems.contains { $0.description.contains("must be read or refuse") } == true)
    }

    @Test func theResponderOnlyChecksTheyAreNamed() throws {
        let configuration = try load(["INSTALL_TOKEN_KEYS": "not a key at all"], readingSecrets: false)
        #expect(configuration.tokenKeys.isEmpty)
        #expect(!configuration.warnings.contains { $0.key == "INSTALL_TOKEN_KEYS" })
        let both = #expect(throws: ConfigurationError.self) {
            try load(["INSTALL_TOKEN_KEYS": Fixture.keyA, "INSTALL_TOKEN_KEYS_FILE": "/k"], readingSecrets: false)
        }
        #expect(both?.names("INSTALL_TOKEN_KEYS") == true)
        let relative = #expect(throws: ConfigurationError.self) {
            try load(["INSTALL_TOKEN_KEYS_FILE": "keys"], readingSecrets: false)
        }
        #expect(relative?.names("INSTALL_TOKEN_KEYS_FILE") == true)
    }

    /// `check` runs the responder's reading, so the loose-mode warning must come from it: the token
    /// program's check passes errors on, not warnings.
    @Test func theResponderWarnsAboutAKeyFileOthersCanRead() throws {
        let scratch = FileModeTests.Scratch()
        let file = scratch.file("keys", text: Fixture.keyA, mode: 0o640)
        let configuration = try load(["INSTALL_TOKEN_KEYS_FILE": file], readingSecrets: false)
        #expect(
            configuration.warnings.contains { $0.key == "INSTALL_TOKEN_KEYS_FILE" && $0.message.contains("chmod 600") })
        chmod(file, 0o600)
        let tight = try load(["INSTALL_TOKEN_KEYS_FILE": file], readingSecrets: false)
        #expect(!tight.warnings.contains { $0.key == "INSTALL_TOKEN_KEYS_FILE" })
        #expect(try load(["INSTALL_TOKEN_KEYS_FILE": file]).tokenKeys.map(\.bytes) == [Base64URL.decode(Fixture.keyA)!])
    }

    @Test func keysWithAnotherHookAreAWarning() throws {
        let configuration = try Configuration.load(
            environment: Fixture.environment(["INSTALL_TOKEN_KEYS": Fixture.keyA]), configFile: nil,
            workingDirectory: Fixture.repositoryRoot, readingSecrets: true)
        #expect(configuration.warnings.contains { $0.key == "INSTALL_TOKEN_KEYS" && $0.message.contains("only with") })
    }
}
