import Foundation
import InstallFlow
import Testing

@testable import TokenService

struct TokenStoreTests {
    let directory = TemporaryDirectory()
    var path: String { directory.path + "/state/tokens.sqlite3" }

    static func install(_ hubID: Int64, refresh: String = "na1-refresh-secret", at time: Int64 = 1_790_000_000)
        -> StoredInstall
    {
        StoredInstall(
            hubID: hubID, hubDomain: "hub\(hubID).hubspot.com", accessToken: Secret("CK-access-secret-\(hubID)"),
            refreshToken: Secret(refresh), expiresAt: time + 1800, scopes: ["oauth", "contacts"], tokenType: "bearer",
            installedAt: time, updatedAt: time)
    }

    @Test func fileIsCreatedOwnerOnlyAndSoAreItsCompanions() throws {
        let store = try SQLiteTokenStore(path: path)
        try store.save(Self.install(1))
        #expect(directory.mode("state") == 0o700)
        #expect(directory.mode("state/tokens.sqlite3") == 0o600)
        #expect(directory.mode("state/tokens.sqlite3-wal") == 0o600)
        #expect(directory.mode("state/tokens.sqlite3-shm") == 0o600)
    }

    @Test func looseModeIsTightened() throws {
        try FileManager.default.createDirectory(atPath: directory.path + "/state", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644])
        _ = try SQLiteTokenStore(path: path)
        #expect(directory.mode("state/tokens.sqlite3") == 0o600)
    }

    @Test func symlinkIsRefused() throws {
        try FileManager.default.createDirectory(atPath: directory.path + "/state", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: directory.path + "/elsewhere")
        #expect(throws: TokenStoreError(detail: "\(path) is not a regular file")) { try SQLiteTokenStore(path: path) }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/elsewhere"))
    }

    @Test func missingFileIsNotCreatedForReading() {
        #expect(throws: TokenStoreError(detail: "cannot open \(path): does not exist (no install yet?)")) {
            try SQLiteTokenStore(path: path, create: false)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func installsSurviveReopeningAndAReinstallReplacesTheRow() throws {
        do {
            let store = try SQLiteTokenStore(path: path)
            try store.save(Self.install(7, refresh: "na1-first"))
            try store.save(Self.install(8))
        }
        let reopened = try SQLiteTokenStore(path: path)
        try reopened.save(Self.install(7, refresh: "na1-second", at: 1_790_000_500))
        let installs = try reopened.installs()
        #expect(installs.map(\.hubID) == [7, 8])
        #expect(installs[0] == Self.install(7, refresh: "na1-second", at: 1_790_000_500))
        #expect(try reopened.install(hubID: 9) == nil)
    }

    @Test func writersInOtherProcessesAndThisOneAllLand() throws {
        let store = try SQLiteTokenStore(path: path)
        // Python's sqlite3 is another process with its own locks: 100 rows from it, 100 from us,
        // at the same time.
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", "-c",
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
            for i in range(100):
                db.execute("INSERT INTO tokens (hub_id, access_token, refresh_token, scopes, token_type, installed_at, updated_at) VALUES (?, 'a', 'r', 'oauth', 'bearer', 0, 0)", (100000 + i,))
            """,
            path,
        ]
        try python.run()
        for hubID in 1...100 { try store.save(Self.install(Int64(hubID))) }
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        #expect(try store.installs().count == 200)
    }

    @Test func tokensNeverPrint() throws {
        let install = Self.install(5)
        for text in ["\(install)", String(reflecting: install), dumped(install)] {
            #expect(!text.contains("CK-access-secret"))
            #expect(!text.contains("na1-refresh-secret"))
        }
        let listing = TokenListing.render([install])
        #expect(!listing.contains("secret"))
        #expect(listing.contains("hub5.hubspot.com"))
        #expect(listing.contains("2026-09-21T14:43:20Z"))
        #expect(listing.hasSuffix("oauth contacts"))
    }

    @Test func storeErrorsNameTheFileNotTheValues() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        #expect(throws: TokenStoreError(detail: "\(path) is not a regular file")) { try SQLiteTokenStore(path: path) }
        #expect(SQLiteTokenStore.problem(at: path) == "\(path) is not a regular file")
        #expect(SQLiteTokenStore.problem(at: directory.path + "/new/deeper/tokens.sqlite3") == nil)
    }

    func dumped(_ value: some Any) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }
}
