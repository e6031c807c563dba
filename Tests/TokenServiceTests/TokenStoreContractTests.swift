import Foundation
import InstallFlow
import Testing

@testable import TokenService

/// What every `TokenStore` must do, written against the protocol: each test runs once per kind of
/// store (`Kind.allCases`), so a new implementation joins by adding a case.
struct TokenStoreContractTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case sqlite
        /// `SealedTokenStore` over SQLite: the same promises with every token sealed at rest.
        case sealedSQLite
        /// A database of its own on the test process's PostgreSQL server (`PostgresServer`).
        case postgresql
        /// `SealedTokenStore` over PostgreSQL.
        case sealedPostgreSQL

        var testDescription: String { rawValue }

        /// The sealing key first, a retired one second (both open).
        static let sealingKeys = [
            TokenKey(bytes: [UInt8](repeating: 0x3C, count: 32)), TokenKey(bytes: [UInt8](repeating: 0x7E, count: 32)),
        ]

        /// Another handle on the data of `store`.
        func reopen(_ store: any TokenStore) throws -> any TokenStore {
            switch store {
            case let store as SealedTokenStore: SealedTokenStore(wrapping: try reopen(store.inner), keys: store.keys)
            case let store as SQLiteTokenStore: try SQLiteTokenStore(path: store.path)
            case let store as PostgresTokenStore: try PostgresTokenStore(url: store.url)
            default: throw TokenStoreError(detail: "unknown kind of store")
            }
        }

        /// A fresh, empty store of this kind, and a second handle on the same data (another process
        /// would open its own).
        func make(in directory: TemporaryDirectory) throws -> (any TokenStore, any TokenStore) {
            switch self {
            case .sqlite:
                let path = directory.path + "/tokens.sqlite3"
                return (try SQLiteTokenStore(path: path), try SQLiteTokenStore(path: path))
            case .sealedSQLite:
                let path = directory.path + "/tokens.sqlite3"
                return (
                    SealedTokenStore(wrapping: try SQLiteTokenStore(path: path), keys: Self.sealingKeys),
                    SealedTokenStore(wrapping: try SQLiteTokenStore(path: path), keys: Self.sealingKeys)
                )
            case .postgresql:
                let url = try PostgresServer.server().freshDatabase()
                return (try PostgresTokenStore(url: url), try PostgresTokenStore(url: url))
            case .sealedPostgreSQL:
                let url = try PostgresServer.server().freshDatabase()
                return (
                    SealedTokenStore(wrapping: try PostgresTokenStore(url: url), keys: Self.sealingKeys),
                    SealedTokenStore(wrapping: try PostgresTokenStore(url: url), keys: Self.sealingKeys)
                )
            }
        }
    }

    let directory = TemporaryDirectory()

    static func install(_ hubID: Int64, at time: Int64 = 1_790_000_000) -> StoredInstall {
        StoredInstall(
            hubID: hubID, hubDomain: "hub\(hubID).hubspot.com", accessToken: Secret("CK-access-\(hubID)"),
            refreshToken: Secret("eu1-refresh-\(hubID)"), expiresAt: time + 1800, scopes: ["oauth", "contacts"],
            tokenType: "bearer", installedAt: time, updatedAt: time, userID: 77, userEmail: "owner@example.com",
            appID: 31337, hublet: "eu1", status: .active, installID: "install-\(hubID)")
    }

    @Test(arguments: Kind.allCases)
    func everyFieldRoundTrips(kind: Kind) throws {
        let (store, other) = try kind.make(in: directory)
        try store.save(Self.install(7))
        var bare = Self.install(8)
        (bare.hubDomain, bare.expiresAt, bare.userID, bare.userEmail, bare.appID, bare.hublet, bare.installID) =
            (nil, nil, nil, nil, nil, nil, nil)
        try store.save(bare)
        #expect(try other.install(hubID: 7) == Self.install(7))
        #expect(try other.installs() == [Self.install(7), bare])
        #expect(try other.install(hubID: 9) == nil)
    }

    @Test(arguments: Kind.allCases)
    func refreshUpdatesOnlyTheTokensOfAnExistingRow(kind: Kind) throws {
        let (store, other) = try kind.make(in: directory)
        try store.save(Self.install(7))
        #expect(
            try other.updateTokens(
                hubID: 7, replacing: "eu1-refresh-7", accessToken: "CK-new", refreshToken: "eu1-new",
                expiresAt: 1_790_009_000, updatedAt: 1_790_007_200))
        var expected = Self.install(7)
        (expected.accessToken, expected.refreshToken, expected.expiresAt, expected.updatedAt) =
            (Secret("CK-new"), Secret("eu1-new"), 1_790_009_000, 1_790_007_200)
        #expect(try store.install(hubID: 7) == expected)
        // A refresh that used a token the row no longer holds (a reinstall came first) writes nothing.
        #expect(
            try !other.updateTokens(
                hubID: 7, replacing: "eu1-refresh-7", accessToken: "CK-late", refreshToken: "eu1-late",
                expiresAt: nil, updatedAt: 0))
        #expect(try store.install(hubID: 7) == expected)
        // A row deleted meanwhile (revoked by hand) is not brought back by a refresh finishing late.
        #expect(try store.delete(hubID: 7))
        #expect(
            try !other.updateTokens(
                hubID: 7, replacing: "eu1-new", accessToken: "CK", refreshToken: "r", expiresAt: nil, updatedAt: 0))
        #expect(try store.install(hubID: 7) == nil)
        #expect(try !store.delete(hubID: 7))
    }

    @Test(arguments: Kind.allCases)
    func statusChangesAndAReinstallMakesTheAccountActiveAgain(kind: Kind) throws {
        let (store, other) = try kind.make(in: directory)
        try store.save(Self.install(7))
        let refusedToken = try #require(try store.install(hubID: 7)).refreshToken.value
        // A refusal of a refresh token the row no longer holds marks nothing.
        #expect(try !other.markRevoked(hubID: 7, refreshToken: refusedToken + "-older", updatedAt: 1_790_000_050))
        #expect(try store.install(hubID: 7)?.status == .active)
        #expect(try other.markRevoked(hubID: 7, refreshToken: refusedToken, updatedAt: 1_790_000_100))
        #expect(try store.install(hubID: 7)?.status == .revoked)
        #expect(try !store.markRevoked(hubID: 8, refreshToken: refusedToken, updatedAt: 0))
        try store.save(Self.install(7, at: 1_790_000_200))
        #expect(try other.install(hubID: 7)?.status == .active)
    }

    @Test(arguments: Kind.allCases)
    func replacingStoredTokensChangesOnlyTheTokensAndOnlyIfStillHeld(kind: Kind) throws {
        let (store, other) = try kind.make(in: directory)
        try store.save(Self.install(7))
        #expect(try other.markRevoked(hubID: 7, refreshToken: "eu1-refresh-7", updatedAt: 1_790_000_100))
        #expect(
            try other.replaceStoredTokens(
                hubID: 7, expectedAccess: "CK-access-7", expectedRefresh: "eu1-refresh-7", accessToken: "CK-2",
                refreshToken: "eu1-2"))
        var expected = Self.install(7)
        (expected.accessToken, expected.refreshToken, expected.status, expected.updatedAt) =
            (Secret("CK-2"), Secret("eu1-2"), .revoked, 1_790_000_100)
        #expect(try store.install(hubID: 7) == expected)
        // Either token no longer as expected (a refresh wrote first): nothing is written.
        #expect(
            try !other.replaceStoredTokens(
                hubID: 7, expectedAccess: "CK-access-7", expectedRefresh: "eu1-2", accessToken: "CK-3",
                refreshToken: "eu1-3"))
        #expect(
            try !other.replaceStoredTokens(
                hubID: 7, expectedAccess: "CK-2", expectedRefresh: "eu1-refresh-7", accessToken: "CK-3",
                refreshToken: "eu1-3"))
        #expect(
            try !other.replaceStoredTokens(
                hubID: 8, expectedAccess: "CK-2", expectedRefresh: "eu1-2", accessToken: "CK-3", refreshToken: "eu1-3"))
        #expect(try store.install(hubID: 7) == expected)
        #expect(try store.install(hubID: 8) == nil)
    }

    @Test(arguments: Kind.allCases)
    func anInstallIDIsClaimedOnceUntilReleasedAndItsOutcomeIsKept(kind: Kind) throws {
        let (store, other) = try kind.make(in: directory)
        #expect(try store.claim(installID: "a", at: 100, staleAfter: 80))
        #expect(try !other.claim(installID: "a", at: 101, staleAfter: 80))
        #expect(try other.claimState(installID: "a") == InstallClaim(installID: "a", claimedAt: 100, outcome: nil))
        try store.releaseClaim(installID: "a")
        #expect(try other.claimState(installID: "a") == nil)
        #expect(try other.claim(installID: "a", at: 102, staleAfter: 80))
        let outcome = InstallClaim.Outcome(hubID: 7, account: "hub7.hubspot.com", ungrantedOptionalScopes: ["social"])
        try other.finishClaim(installID: "a", outcome: outcome, at: 103)
        #expect(try store.claimState(installID: "a")?.outcome == outcome)
        // A finished claim is not given up, nor taken over as stale.
        try store.releaseClaim(installID: "a")
        #expect(try !store.claim(installID: "a", at: 10_000, staleAfter: 80))
        #expect(try store.claimState(installID: "a")?.outcome == outcome)
    }

    @Test(arguments: Kind.allCases)
    func anUnfinishedClaimOfADeadClaimerIsTakenOver(kind: Kind) throws {
        let (store, other) = try kind.make(in: directory)
        #expect(try store.claim(installID: "b", at: 100, staleAfter: 80))
        #expect(try !other.claim(installID: "b", at: 180, staleAfter: 80))
        #expect(try other.claim(installID: "b", at: 181, staleAfter: 80))
        #expect(try store.claimState(installID: "b")?.claimedAt == 181)
    }

    @Test(arguments: Kind.allCases)
    func manyThreadsClaimingOneInstallIDWinOnce(kind: Kind) throws {
        let (store, second) = try kind.make(in: directory)
        // Eight handles on the one store (another process would open its own), each on a thread.
        let stores = try [store, second] + (0..<6).map { _ in try kind.reopen(store) }
        let wins = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            if (try? stores[index].claim(installID: "c", at: 100, staleAfter: 80)) == true { wins.add() }
        }
        #expect(wins.value == 1)
    }

    @Test(arguments: Kind.allCases)
    func oneHandleServesManyThreadsAtOnce(kind: Kind) throws {
        let (store, other) = try kind.make(in: directory)
        let failures = Counter()
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            do {
                let hubID = Int64(100 + index)
                try store.save(Self.install(hubID))
                guard try store.install(hubID: hubID) == Self.install(hubID),
                    try store.claim(installID: "t\(index)", at: 100, staleAfter: 80)
                else { return failures.add() }
                _ = try store.installs()
            } catch {
                failures.add()
            }
        }
        #expect(failures.value == 0)
        #expect(try other.installs().map(\.hubID) == (100..<116).map(Int64.init))
    }

    @Test(arguments: Kind.allCases)
    func theRefreshLockExcludesOthersUntilReleased(kind: Kind) throws {
        let (store, other) = try kind.make(in: directory)
        let held = try store.refreshLock(hubID: 7, waiting: 1)
        #expect(throws: TokenStoreError.self) { try other.refreshLock(hubID: 7, waiting: 0.2) }
        // Other accounts are not held up.
        try other.refreshLock(hubID: 8, waiting: 0.2).release()
        held.release()
        try other.refreshLock(hubID: 7, waiting: 0.2).release()
    }

    /// Thread-safe count for the concurrent tests.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }
}
