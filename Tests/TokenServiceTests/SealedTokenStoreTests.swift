import Foundation
import InstallFlow
import Testing

@testable import TokenService

/// Tokens sealed at rest: what the file holds, what does not open (moved, tampered, wrong or
/// missing key), and `rekey`, alone and racing refreshes. The plain promises of the store are the
/// `sealedSQLite` kind of `TokenStoreContractTests`.
struct SealedTokenStoreTests {
    let directory = TemporaryDirectory()
    var path: String { directory.path + "/tokens.sqlite3" }

    static let old = TokenKey(bytes: [UInt8](repeating: 0x11, count: 32))
    static let new = TokenKey(bytes: [UInt8](repeating: 0x22, count: 32))
    static let stranger = TokenKey(bytes: [UInt8](repeating: 0x33, count: 32))

    static func install(_ hubID: Int64, status: InstallStatus = .active) -> StoredInstall {
        StoredInstall(
            hubID: hubID, hubDomain: "hub\(hubID).hubspot.com", accessToken: Secret("CK-access-secret-\(hubID)"),
            refreshToken: Secret("eu1-refresh-secret-\(hubID)"), expiresAt: 1_790_001_800, scopes: ["oauth"],
            tokenType: "bearer", installedAt: 1_790_000_000, updatedAt: 1_790_000_000, status: status)
    }

    /// The store as stored (no keys, no decorator).
    func raw() throws -> SQLiteTokenStore { try SQLiteTokenStore(path: path) }

    func sealed(_ keys: [TokenKey]) throws -> SealedTokenStore {
        SealedTokenStore(wrapping: try SQLiteTokenStore(path: path), keys: keys)
    }

    /// The error an operation throws, as the command would print it.
    func failure(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func tokensAreStoredSealedWithTheFirstKeyAndAFreshNonceEachTime() throws {
        let store = try sealed([Self.new, Self.old])
        try store.save(Self.install(7))
        try store.save(Self.install(8))
        let row = try #require(try raw().install(hubID: 7))
        for (text, token) in [(row.accessToken.value, "CK-access-secret-7"), (row.refreshToken.value, "eu1-refresh")] {
            #expect(text.hasPrefix("sealed:v1:\(Self.new.id):"))
            #expect(!text.contains(token))
        }
        let first = row.accessToken.value
        try store.save(Self.install(7))
        #expect(try raw().install(hubID: 7)?.accessToken.value != first)
        #expect(try store.install(hubID: 7) == Self.install(7))
        #expect(try store.installs() == [Self.install(7), Self.install(8)])
        // The file itself, and its write-ahead log, never hold a token in clear.
        for suffix in ["", "-wal"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path + suffix))
            for token in ["CK-access-secret", "eu1-refresh-secret"] {
                #expect(bytes.range(of: Data(token.utf8)) == nil, "\(token) in tokens.sqlite3\(suffix)")
            }
        }
    }

    @Test func keyIDsAreStableAndDistinct() {
        #expect(Self.new.id == TokenKey(bytes: [UInt8](repeating: 0x22, count: 32)).id)
        #expect(Set([Self.old.id, Self.new.id, Self.stranger.id]).count == 3)
        #expect(Self.new.id.utf8.count == 8)
    }

    @Test func aValueMovedToAnotherRowOrTheOtherFieldDoesNotOpen() throws {
        let store = try sealed([Self.new])
        try store.save(Self.install(7))
        try store.save(Self.install(8))
        let seven = try #require(try raw().install(hubID: 7))
        let eight = try #require(try raw().install(hubID: 8))
        // Hub 7's tokens copied into hub 8's row.
        #expect(
            try raw().replaceStoredTokens(
                hubID: 8, expectedAccess: eight.accessToken.value, expectedRefresh: eight.refreshToken.value,
                accessToken: seven.accessToken.value, refreshToken: seven.refreshToken.value))
        let moved = failure { _ = try store.install(hubID: 8) }
        #expect(
            moved == "hub 8: the stored access token does not open with key id \(Self.new.id): it was changed, "
                + "or copied from another row or column")
        // Hub 7's own tokens swapped between its two columns.
        #expect(
            try raw().replaceStoredTokens(
                hubID: 7, expectedAccess: seven.accessToken.value, expectedRefresh: seven.refreshToken.value,
                accessToken: seven.refreshToken.value, refreshToken: seven.accessToken.value))
        #expect(failure { _ = try store.install(hubID: 7) }?.contains("does not open with key id") == true)
        // A row that does not open is an error everywhere, never "no row": not for a refresh, a revocation, a list.
        #expect(throws: TokenStoreError.self) {
            try store.updateTokens(
                hubID: 7, replacing: "eu1-refresh-secret-7", accessToken: "a", refreshToken: "r", expiresAt: nil,
                updatedAt: 0)
        }
        #expect(throws: TokenStoreError.self) {
            try store.markRevoked(hubID: 7, refreshToken: "eu1-refresh-secret-7", updatedAt: 0)
        }
        #expect(throws: TokenStoreError.self) { try store.installs() }
        #expect(try raw().install(hubID: 7)?.status == .active)
    }

    @Test func aWrongMissingOrUnknownKeyIsAnErrorNamingHubAndKeyID() throws {
        try sealed([Self.old]).save(Self.install(7))
        #expect(
            failure { _ = try sealed([Self.stranger]).install(hubID: 7) }
                == "hub 7: the stored access token is sealed with key id \(Self.old.id), which is not among "
                + "INSTALL_TOKEN_KEYS")
        #expect(
            failure { _ = try sealed([]).install(hubID: 7) }
                == "hub 7: the stored access token is sealed with key id \(Self.old.id), but INSTALL_TOKEN_KEYS is "
                + "not set")
        // The id relabelled to a key we hold: the tag binds the id, so it does not open with that key either.
        let row = try #require(try raw().install(hubID: 7))
        let relabelled = row.accessToken.value.replacing(Self.old.id, with: Self.stranger.id)
        #expect(
            try raw().replaceStoredTokens(
                hubID: 7, expectedAccess: row.accessToken.value, expectedRefresh: row.refreshToken.value,
                accessToken: relabelled, refreshToken: row.refreshToken.value))
        #expect(
            failure { _ = try sealed([Self.stranger, Self.old]).install(hubID: 7) }?.contains(
                "does not open with key id \(Self.stranger.id)") == true)
    }

    enum Tampering: String, CaseIterable, Sendable {
        case flippedPayload, truncated, noPayload, extraField, unknownVersion, shortKeyID, paddedPayload

        func apply(_ text: String) -> String {
            switch self {
            case .flippedPayload: String(text.dropLast()) + (text.hasSuffix("A") ? "B" : "A")
            case .truncated: String(text.dropLast(4))
            case .noPayload: String(text[..<(text.lastIndex(of: ":") ?? text.endIndex)])
            case .extraField: text + ":x"
            case .unknownVersion: text.replacing("sealed:v1:", with: "sealed:v9:")
            case .shortKeyID: text.replacing(#/sealed:v1:.{8}:/#, with: "sealed:v1:abc:")
            case .paddedPayload: text + "=="
            }
        }
    }

    @Test(arguments: Tampering.allCases)
    func tamperedTextIsRefusedWithoutEchoingIt(_ tampering: Tampering) throws {
        let name = tampering.rawValue
        let store = try sealed([Self.old])
        try store.save(Self.install(7))
        let row = try #require(try raw().install(hubID: 7))
        let tampered = tampering.apply(row.refreshToken.value)
        #expect(tampered != row.refreshToken.value)
        #expect(
            try raw().replaceStoredTokens(
                hubID: 7, expectedAccess: row.accessToken.value, expectedRefresh: row.refreshToken.value,
                accessToken: row.accessToken.value, refreshToken: tampered))
        let message = try #require(failure { _ = try store.install(hubID: 7) }, "\(name) opened")
        #expect(message.hasPrefix("hub 7: the stored refresh token "), "\(name): \(message)")
        let payload = String(row.refreshToken.value.split(separator: ":").last ?? "")
        #expect(!message.contains(payload.prefix(12)), "\(name): \(message)")
    }

    @Test func plainRowsAreReadAndRekeyReservesThemAllActiveAndRevoked() throws {
        // Written before keys were configured.
        try raw().save(Self.install(7))
        try raw().save(Self.install(8, status: .revoked))
        let store = try sealed([Self.new])
        #expect(try store.install(hubID: 7) == Self.install(7))
        #expect(try store.rekey() == .init(resealed: 2, alreadySealed: 0, vanished: 0))
        for hubID: Int64 in [7, 8] {
            let row = try #require(try raw().install(hubID: hubID))
            #expect(SealedToken.keyID(of: row.accessToken.value) == Self.new.id)
            #expect(SealedToken.keyID(of: row.refreshToken.value) == Self.new.id)
        }
        // Nothing but the tokens changed: status and updated_at are as they were.
        #expect(try store.installs() == [Self.install(7), Self.install(8, status: .revoked)])
        #expect(try store.rekey() == .init(resealed: 0, alreadySealed: 2, vanished: 0))
    }

    @Test func rotationNewKeyFirstThenRekeyThenTheOldKeyGoes() throws {
        try sealed([Self.old]).save(Self.install(7))
        try sealed([Self.old]).save(Self.install(8))
        #expect(try sealed([Self.new, Self.old]).install(hubID: 7) == Self.install(7))
        #expect(try sealed([Self.new, Self.old]).rekey() == .init(resealed: 2, alreadySealed: 0, vanished: 0))
        #expect(try SealedToken.keyID(of: #require(try raw().install(hubID: 8)).refreshToken.value) == Self.new.id)
        #expect(try sealed([Self.new]).installs() == [Self.install(7), Self.install(8)])
        #expect(throws: TokenStoreError(detail: "INSTALL_TOKEN_KEYS is not set: there is no key to seal with")) {
            try sealed([]).rekey()
        }
    }

    /// A row no key opens (or a malformed one, which whoever can write the database can plant) is
    /// left as it was and named, and every other row is still resealed: one bad row first in the
    /// table must not keep the rest under the key being retired, run after run.
    @Test func rekeyResealsEveryRowItCanAndNamesEachRowThatDoesNotOpen() throws {
        try sealed([Self.stranger]).save(Self.install(7))
        try sealed([Self.old]).save(Self.install(8))
        try sealed([Self.old]).save(Self.install(9))
        let seven = try #require(try raw().install(hubID: 7))
        let eight = try #require(try raw().install(hubID: 8))
        #expect(
            try raw().replaceStoredTokens(
                hubID: 8, expectedAccess: eight.accessToken.value, expectedRefresh: eight.refreshToken.value,
                accessToken: "sealed:", refreshToken: eight.refreshToken.value))
        let result = try sealed([Self.new, Self.old]).rekey()
        #expect(result.resealed == 1 && result.alreadySealed == 0 && result.vanished == 0)
        #expect(
            result.failures == [
                "hub 7: the stored access token is sealed with key id \(Self.stranger.id), which is not among "
                    + "INSTALL_TOKEN_KEYS",
                "hub 8: the stored access token starts with `sealed:` but is not a well-formed sealed value",
            ])
        #expect(try raw().install(hubID: 7) == seven)
        #expect(try SealedToken.keyID(of: #require(try raw().install(hubID: 9)).refreshToken.value) == Self.new.id)
        #expect(try sealed([Self.new]).install(hubID: 9) == Self.install(9))
    }

    /// "Already sealed with the first key" is only said of a row that opens with it: a value
    /// labelled with the first key's id that does not open is a failure, not a row the old keys
    /// can be dropped for.
    @Test func rekeyCountsARowAsAlreadySealedOnlyIfItOpens() throws {
        try sealed([Self.new]).save(Self.install(7))
        try sealed([Self.new]).save(Self.install(8))
        let seven = try #require(try raw().install(hubID: 7))
        let forged = "sealed:v1:\(Self.new.id):" + String(repeating: "A", count: 40)
        #expect(
            try raw().replaceStoredTokens(
                hubID: 7, expectedAccess: seven.accessToken.value, expectedRefresh: seven.refreshToken.value,
                accessToken: seven.accessToken.value, refreshToken: forged))
        let result = try sealed([Self.new, Self.old]).rekey()
        #expect(result.alreadySealed == 1 && result.resealed == 0)
        #expect(
            result.failures == [
                "hub 7: the stored refresh token does not open with key id \(Self.new.id): it was changed, or "
                    + "copied from another row or column"
            ])
    }

    /// A refresh that writes the row between the rekey's read and its swap keeps its tokens: the
    /// swap finds other text, and the rekey reads the row again.
    @Test func aRefreshBetweenTheRekeysReadAndWriteIsKept() throws {
        try sealed([Self.old]).save(Self.install(7))
        let refresher = try sealed([Self.new, Self.old])
        let racing = Interposed(inner: try raw()) {
            let refreshed = try refresher.updateTokens(
                hubID: 7, replacing: "eu1-refresh-secret-7", accessToken: "CK-refreshed", refreshToken: "eu1-rotated",
                expiresAt: 1_790_009_000, updatedAt: 1_790_007_000)
            if !refreshed { throw TokenStoreError(detail: "the interposed refresh found the row rewritten") }
        }
        let rekey = SealedTokenStore(wrapping: racing, keys: [Self.new, Self.old])
        _ = try rekey.rekey()
        #expect(racing.interposed)
        let row = try #require(try sealed([Self.new]).install(hubID: 7))
        #expect(row.accessToken.value == "CK-refreshed" && row.refreshToken.value == "eu1-rotated")
        #expect(row.updatedAt == 1_790_007_000)
    }

    /// A rekey that reseals the row between a refresh's read and its write does not make the
    /// refresh fail: the token is the same, only its text changed, so the refresh swaps again.
    @Test func aRekeyBetweenARefreshsReadAndWriteDoesNotLoseTheRefresh() throws {
        try sealed([Self.old]).save(Self.install(7))
        let rekeyer = try sealed([Self.new, Self.old])
        let racing = Interposed(inner: try raw()) {
            let result = try rekeyer.rekey()
            if result.resealed != 1 { throw TokenStoreError(detail: "the interposed rekey resealed \(result)") }
        }
        let refresher = SealedTokenStore(wrapping: racing, keys: [Self.new, Self.old])
        #expect(
            try refresher.updateTokens(
                hubID: 7, replacing: "eu1-refresh-secret-7", accessToken: "CK-refreshed", refreshToken: "eu1-rotated",
                expiresAt: 1_790_009_000, updatedAt: 1_790_007_000))
        #expect(racing.interposed)
        let row = try #require(try sealed([Self.new]).install(hubID: 7))
        #expect(row.refreshToken.value == "eu1-rotated")
    }

    /// A refresh whose row is resealed between its read and its write on every attempt gives up
    /// with "try again" as a transient failure (exit 75 for `tokens` commands), leaving the row.
    @Test func aRefreshThatLosesEveryAttemptToRekeysIsToldToTryAgain() throws {
        try sealed([Self.old]).save(Self.install(7))
        let rekeyers = [try sealed([Self.new, Self.old]), try sealed([Self.old, Self.new])]
        var flips = 0
        let racing = Interposed(inner: try raw(), times: .max) {
            let result = try rekeyers[flips % 2].rekey()  // sealed under the other key each time
            flips += 1
            if result.resealed != 1 { throw TokenStoreError(detail: "the interposed rekey resealed \(result)") }
        }
        let refresher = SealedTokenStore(wrapping: racing, keys: [Self.new, Self.old])
        let error = #expect(throws: TokenStoreError.self) {
            try refresher.updateTokens(
                hubID: 7, replacing: "eu1-refresh-secret-7", accessToken: "CK-refreshed", refreshToken: "eu1-rotated",
                expiresAt: 1_790_009_000, updatedAt: 1_790_007_000)
        }
        #expect(error?.unavailable == true)
        #expect(LifecycleFailure(store: try #require(error)).reason == .storeUnavailable)
        #expect(flips == SealedTokenStore.attempts)
        #expect(try sealed([Self.new, Self.old]).install(hubID: 7)?.refreshToken.value == "eu1-refresh-secret-7")
    }

    /// Real threads on real connections: a chain of refreshes (each replacing the one before) while
    /// rekeys flip the sealing key back and forth. A refresh that loses every attempt to the
    /// rekeys says "try again" as a transient failure (exit 75) and is tried again, as an app's
    /// backend does: no refresh finds its row rewritten or fails otherwise, and the last is stored.
    @Test func refreshesAndRekeysRunningAtOnceLoseNothing() throws {
        try sealed([Self.old]).save(Self.install(7))
        let refresher = try sealed([Self.old, Self.new])
        let rekeyers = [try sealed([Self.new, Self.old]), try sealed([Self.old, Self.new])]
        let failures = Failures()
        let rounds = 40
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for round in 0..<rounds {
                do {
                    if thread == 0 {
                        let previous = round == 0 ? "eu1-refresh-secret-7" : "eu1-rotated-\(round - 1)"
                        var done: Bool?
                        while done == nil {
                            do {
                                done = try refresher.updateTokens(
                                    hubID: 7, replacing: previous, accessToken: "CK-\(round)",
                                    refreshToken: "eu1-rotated-\(round)",
                                    expiresAt: nil, updatedAt: Int64(round))
                            } catch let error as TokenStoreError where error.unavailable {}  // rekeys end
                        }
                        if done != true { failures.add("refresh \(round) found the row rewritten") }
                    } else {
                        _ = try rekeyers[round % 2].rekey()
                    }
                } catch {
                    failures.add("\(thread == 0 ? "refresh" : "rekey") \(round): \(error)")
                }
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
        #expect(try sealed([Self.new, Self.old]).install(hubID: 7)?.refreshToken.value == "eu1-rotated-\(rounds - 1)")
    }

    @Test func withoutKeysTokensAreStoredAsGivenAndSealedOnesStillRefuse() throws {
        try sealed([]).save(Self.install(7))
        #expect(try raw().install(hubID: 7) == Self.install(7))
        #expect(try sealed([Self.new]).install(hubID: 7) == Self.install(7))
    }

    /// The fuzz seeds are sealed by Python's cryptography following the documented format
    /// (Tests/Fuzz/make_seeds.py): another implementation's values open, in their row and column only.
    @Test func valuesSealedByAnotherImplementationOpen() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/sealed-token-opening")
        func stored(_ name: String) throws -> String {
            // Mode, column, 8 bytes of hub id, then the stored text.
            String(decoding: try Data(contentsOf: corpus.appendingPathComponent(name)).dropFirst(10), as: UTF8.self)
        }
        let keys = [
            TokenKey(bytes: [UInt8](repeating: 0x5A, count: 32)), TokenKey(bytes: [UInt8](repeating: 0xC3, count: 32)),
        ]
        #expect(
            try SealedToken.open(stored("sealed-access"), hubID: 4242, field: .access, keys: keys) == "CK-access-4242")
        #expect(
            try SealedToken.open(stored("sealed-refresh-retired"), hubID: 4242, field: .refresh, keys: keys)
                == "eu1-refresh-4242")
        #expect(throws: SealedTokenError.self) {
            try SealedToken.open(stored("sealed-other-row"), hubID: 4243, field: .access, keys: keys)
        }
        #expect(throws: SealedTokenError.self) {
            try SealedToken.open(stored("sealed-access"), hubID: 4242, field: .refresh, keys: keys)
        }
    }

    /// A stored value is outside input: in clear, whoever can write the database chooses it. What
    /// is not a token as HubSpot issues them (a line break that would add a header where the app
    /// puts it, a space, an escape sequence, nothing, megabytes) is refused, in clear or sealed,
    /// naming the row and never the value; with keys or without.
    @Test(arguments: [
        "", "CK-access\r\nX-Injected: 1", "CK access", "CK-\u{1B}[31m", "CK-\t1", "CK-é",
        String(repeating: "C", count: 4097),
    ])
    func aStoredValueThatIsNoTokenIsRefusedNotHandedOut(_ value: String) throws {
        for keys in [[Self.new], []] {
            try raw().save(Self.install(7))
            let row = try #require(try raw().install(hubID: 7))
            #expect(
                try raw().replaceStoredTokens(
                    hubID: 7, expectedAccess: row.accessToken.value, expectedRefresh: row.refreshToken.value,
                    accessToken: value, refreshToken: value))
            #expect(
                failure { _ = try sealed(keys).install(hubID: 7) }
                    == "hub 7: the stored access token is in clear and is not a token as HubSpot issues them (1 to "
                    + "4096 printable ASCII characters, no spaces)")
            // Not "the refresh token matches" either: a refresh never replaces it with a token of its own.
            #expect(
                failure {
                    _ = try sealed(keys).updateTokens(
                        hubID: 7, replacing: value, accessToken: "CK-a", refreshToken: "eu1-r", expiresAt: nil,
                        updatedAt: 0)
                }?.hasPrefix("hub 7: the stored refresh token is in clear and is not a token") == true)
        }
        // Sealed by a key holder, it is refused all the same.
        let store = try sealed([Self.new])
        let row = try #require(try raw().install(hubID: 7))
        #expect(
            try raw().replaceStoredTokens(
                hubID: 7, expectedAccess: row.accessToken.value, expectedRefresh: row.refreshToken.value,
                accessToken: SealedToken.seal("CK-access", hubID: 7, field: .access, key: Self.new),
                refreshToken: SealedToken.seal(value, hubID: 7, field: .refresh, key: Self.new)))
        #expect(
            failure { _ = try store.install(hubID: 7) }
                == "hub 7: the stored refresh token is sealed with key id \(Self.new.id) and holds no token as HubSpot "
                + "issues them (1 to 4096 printable ASCII characters, no spaces)")
        #expect(try store.rekey().failures.count == 1)
    }

    /// A token endpoint's token that begins like a sealed value would, stored in clear (no keys),
    /// be read back as a broken sealed value: the install would succeed and the row never open. So
    /// it is no token as HubSpot issues them, and the answer is unusable instead.
    @Test func aTokenBeginningLikeASealedValueIsNotATokenHubSpotIssues() throws {
        #expect(TokenEndpointAnswer.token(.string("sealed:v1:AAAAAAAA-f1c9d03d")) == nil)
        #expect(TokenEndpointAnswer.token(.string("sealed:")) == nil)
        #expect(TokenEndpointAnswer.token(.string("CK-sealed:v1:x")) == "CK-sealed:v1:x")
        #expect(TokenEndpointAnswer.token(.string("Sealed:v1:x")) == "Sealed:v1:x")
        // Sealed by a key holder, it opens, and is refused as no token all the same.
        let store = try sealed([Self.new])
        try store.save(Self.install(7))
        let row = try #require(try raw().install(hubID: 7))
        #expect(
            try raw().replaceStoredTokens(
                hubID: 7, expectedAccess: row.accessToken.value, expectedRefresh: row.refreshToken.value,
                accessToken: SealedToken.seal("sealed:v1:x", hubID: 7, field: .access, key: Self.new),
                refreshToken: row.refreshToken.value))
        #expect(
            failure { _ = try store.install(hubID: 7) }?.hasPrefix(
                "hub 7: the stored access token is sealed with key id \(Self.new.id) and holds no token") == true)
    }

    /// Whoever can write the database cannot seal, but can write a token of their own in clear.
    /// With `INSTALL_TOKENS_IN_CLEAR=refuse` that is an error everywhere a token is read: not
    /// handed out, not refreshed (which would seal the newcomer's next tokens into the row), not
    /// resealed by a rekey (which would do the same); sealed rows are untouched.
    @Test func refusingTokensInClearLeavesAPlantedTokenUnusedEverywhere() throws {
        let strict = SealedTokenStore(wrapping: try raw(), keys: [Self.new], refusingTokensInClear: true)
        try strict.save(Self.install(7))
        try raw().save(Self.install(8))  // planted in clear
        #expect(try strict.install(hubID: 7) == Self.install(7))
        let message =
            "hub 8: the stored access token is in clear, and INSTALL_TOKENS_IN_CLEAR=refuse (a row from before "
            + "the keys is sealed by `tokens rekey` without that setting)"
        #expect(failure { _ = try strict.install(hubID: 8) } == message)
        #expect(
            failure {
                _ = try strict.updateTokens(
                    hubID: 8, replacing: "eu1-refresh-secret-8", accessToken: "CK-next", refreshToken: "eu1-next",
                    expiresAt: nil, updatedAt: 1)
            }?.hasPrefix("hub 8: the stored refresh token is in clear, and INSTALL_TOKENS_IN_CLEAR=refuse") == true)
        let result = try strict.rekey()
        #expect(result.failures == [message] && result.alreadySealed == 1 && result.resealed == 0)
        #expect(try raw().install(hubID: 8) == Self.install(8))
        // Without the setting, the same row is read and a rekey seals it (the migration path).
        #expect(try sealed([Self.new]).install(hubID: 8) == Self.install(8))
        #expect(try sealed([Self.new]).rekey().resealed == 1)
        #expect(try strict.install(hubID: 8) == Self.install(8))
    }

    @Test func openingAValueInClearOrSealedNeverEchoesTheToken() throws {
        let sealedText = SealedToken.seal("CK-very-secret", hubID: 9, field: .access, key: Self.old)
        #expect(try SealedToken.open(sealedText, hubID: 9, field: .access, keys: [Self.old]) == "CK-very-secret")
        #expect(try SealedToken.open("CK-in-clear", hubID: 9, field: .access, keys: [Self.old]) == "CK-in-clear")
        for (hubID, field) in [(Int64(10), SealedToken.Field.access), (9, .refresh)] {
            #expect {
                try SealedToken.open(sealedText, hubID: hubID, field: field, keys: [Self.old])
            } throws: { error in
                "\(error)".hasPrefix("hub \(hubID): the stored \(field.rawValue) token does not open")
                    && !"\(error)".contains("CK-very-secret")
            }
        }
    }

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [String] = []
        func add(_ text: String) { lock.withLock { list.append(text) } }
        var all: [String] { lock.withLock { list } }
    }
}

/// A store that runs `interpose` once, just before the first conditional write (of any kind)
/// reaches `inner`: another process's write landing between a read and a swap.
final class Interposed: TokenStore, @unchecked Sendable {
    let inner: any TokenStore
    private let lock = NSLock()
    private let interpose: () throws -> Void
    private var remaining: Int
    private(set) var interposed = false

    /// Runs `interpose` before the first `times` conditional writes.
    init(inner: any TokenStore, times: Int = 1, _ interpose: @escaping () throws -> Void) {
        self.inner = inner
        self.interpose = interpose
        remaining = times
    }

    private func interposeOnce() throws(TokenStoreError) {
        let body: (() throws -> Void)? = lock.withLock {
            guard remaining > 0 else { return nil }
            remaining -= 1
            return interpose
        }
        guard let body else { return }
        interposed = true
        do { try body() } catch { throw TokenStoreError(detail: "interposed write failed: \(error)") }
    }

    func install(hubID: Int64) throws(TokenStoreError) -> StoredInstall? { try inner.install(hubID: hubID) }
    func installs() throws(TokenStoreError) -> [StoredInstall] { try inner.installs() }
    func save(_ install: StoredInstall) throws(TokenStoreError) { try inner.save(install) }

    func updateTokens(
        hubID: Int64, replacing: String, accessToken: String, refreshToken: String, expiresAt: Int64?,
        updatedAt: Int64
    ) throws(TokenStoreError) -> Bool {
        try interposeOnce()
        return try inner.updateTokens(
            hubID: hubID, replacing: replacing, accessToken: accessToken, refreshToken: refreshToken,
            expiresAt: expiresAt, updatedAt: updatedAt)
    }

    func markRevoked(hubID: Int64, refreshToken: String, updatedAt: Int64) throws(TokenStoreError) -> Bool {
        try interposeOnce()
        return try inner.markRevoked(hubID: hubID, refreshToken: refreshToken, updatedAt: updatedAt)
    }

    func replaceStoredTokens(
        hubID: Int64, expectedAccess: String, expectedRefresh: String, accessToken: String, refreshToken: String
    ) throws(TokenStoreError) -> Bool {
        try interposeOnce()
        return try inner.replaceStoredTokens(
            hubID: hubID, expectedAccess: expectedAccess, expectedRefresh: expectedRefresh, accessToken: accessToken,
            refreshToken: refreshToken)
    }

    func delete(hubID: Int64) throws(TokenStoreError) -> Bool { try inner.delete(hubID: hubID) }
    func refreshLock(hubID: Int64, waiting: Double) throws(TokenStoreError) -> RefreshLock {
        try inner.refreshLock(hubID: hubID, waiting: waiting)
    }
    func claim(installID: String, at now: Int64, staleAfter: Int64) throws(TokenStoreError) -> Bool {
        try inner.claim(installID: installID, at: now, staleAfter: staleAfter)
    }
    func claimState(installID: String) throws(TokenStoreError) -> InstallClaim? {
        try inner.claimState(installID: installID)
    }
    func finishClaim(installID: String, outcome: InstallClaim.Outcome, at now: Int64) throws(TokenStoreError) {
        try inner.finishClaim(installID: installID, outcome: outcome, at: now)
    }
    func releaseClaim(installID: String) throws(TokenStoreError) { try inner.releaseClaim(installID: installID) }
}
