import Foundation
import InstallFlow
import Testing

@testable import TokenService

/// What only the PostgreSQL store has: its schema and version row, a password that never reaches
/// an error, failures told apart (unreachable = try again; read-only = failed). The behaviour
/// both stores share is in `TokenStoreContractTests`.
struct PostgresTokenStoreTests {
    let server: PostgresServer

    init() throws { server = try PostgresServer.server() }

    /// The database name of a URL the server handed out.
    func database(of url: String) -> String { String(url.split(separator: "/").last!) }

    @Test func theSchemaIsCreatedOnFirstUseWithItsVersionRow() throws {
        let url = try server.freshDatabase()
        let store = try PostgresTokenStore(url: url)
        // Nothing is connected or created before the first use.
        #expect(try server.sql("SELECT to_regclass('tokens') IS NULL", database: database(of: url)) == "t\n")
        #expect(try store.installs() == [])
        #expect(try server.sql("SELECT version FROM schema_version", database: database(of: url)) == "1\n")
        let columns = try server.sql(
            "SELECT string_agg(column_name, ' ' ORDER BY ordinal_position) FROM information_schema.columns "
                + "WHERE table_name = 'tokens'", database: database(of: url))
        #expect(
            columns
                == "hub_id hub_domain access_token refresh_token expires_at scopes token_type installed_at "
                + "updated_at user_id user_email app_id hublet status install_id\n")
    }

    @Test func manyProcessesMeetingAnEmptyDatabaseCreateTheSchemaOnce() throws {
        let url = try server.freshDatabase()
        let stores = try (0..<8).map { _ in try PostgresTokenStore(url: url) }
        let failures = TokenStoreContractTests.Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            do {
                try stores[index].save(TokenStoreContractTests.install(Int64(index + 1)))
            } catch {
                failures.add()
            }
        }
        #expect(failures.value == 0)
        #expect(try stores[0].installs().count == 8)
        #expect(try server.sql("SELECT count(*) FROM schema_version", database: database(of: url)) == "1\n")
    }

    /// The grants docs/tokens.md names: once the tables exist, a role with only these privileges runs everything.
    @Test func aRoleWithTheDocumentedPrivilegesIsEnough() throws {
        let url = try server.freshDatabase()
        let name = database(of: url)
        _ = try PostgresTokenStore(url: url).installs()
        let role = "app_\(getpid())"
        try server.sql(
            "CREATE ROLE \(role) LOGIN PASSWORD 'app-pw'; GRANT CONNECT ON DATABASE \(name) TO \(role); "
                + "GRANT SELECT, INSERT, UPDATE, DELETE ON tokens, install_claims TO \(role); "
                + "GRANT SELECT ON schema_version TO \(role); REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
            database: name)
        let store = try PostgresTokenStore(url: "postgresql://\(role):app-pw@127.0.0.1:\(server.port)/\(name)")
        try store.save(TokenStoreContractTests.install(7))
        #expect(try store.claim(installID: "a", at: 100, staleAfter: 80))
        #expect(
            try store.updateTokens(
                hubID: 7, replacing: "eu1-refresh-7", accessToken: "CK-2", refreshToken: "r-2", expiresAt: nil,
                updatedAt: 1))
        try store.refreshLock(hubID: 7, waiting: 0).release()
        #expect(try store.delete(hubID: 7))
    }

    @Test func aNewerSchemaIsRefusedClearly() throws {
        let url = try server.freshDatabase()
        _ = try PostgresTokenStore(url: url).installs()
        try server.sql("UPDATE schema_version SET version = 99", database: database(of: url))
        let error = try #require(throws: TokenStoreError.self) { try PostgresTokenStore(url: url).installs() }
        #expect(
            error.detail.hasSuffix(
                "has schema version 99, newer than this hubspot-install knows (1); use the newer hubspot-install"))
        #expect(error.detail.hasPrefix("PostgreSQL database \(database(of: url)) at 127.0.0.1:\(server.port)"))
        #expect(!error.detail.contains(server.password))
    }

    @Test func aReadOnlyDatabaseIsAClearFailureNotATryAgain() throws {
        let url = try server.freshDatabase()
        try PostgresTokenStore(url: url).save(TokenStoreContractTests.install(7))
        try server.sql(
            "ALTER DATABASE \(database(of: url)) SET default_transaction_read_only = on", database: "postgres")
        let store = try PostgresTokenStore(url: url)
        // Reading works (the schema is up to date, so opening writes nothing)...
        #expect(try store.install(hubID: 7)?.hubID == 7)
        // ...writing says why.
        let error = try #require(throws: TokenStoreError.self) {
            try store.save(TokenStoreContractTests.install(8))
        }
        #expect(
            error.detail
                == "cannot write PostgreSQL database \(database(of: url)) at 127.0.0.1:\(server.port): "
                + "PostgreSQL SQLSTATE 25006 (the database is read-only)")
        #expect(!error.unavailable)
        #expect(HubSpotExchangeHook.storeFailure(error).kind == .failed)
    }

    @Test func aServerThatDoesNotAnswerIsTryAgain() throws {
        let store = try PostgresTokenStore(
            url: server.url(database: "nowhere").replacingOccurrences(
                of: ":\(server.port)/", with: ":\(Self.closedPort())/"))
        let error = try #require(throws: TokenStoreError.self) { try store.installs() }
        #expect(error.detail.hasSuffix(": connection refused (is the server running?)"))
        #expect(error.unavailable)
        #expect(HubSpotExchangeHook.storeFailure(error).kind == .providerUnavailable)
        #expect(throws: TokenStoreError.self) { try store.refreshLock(hubID: 7, waiting: 0) }
    }

    /// A statement that gets no answer (here: another session holds the table locked, as an app's
    /// migration would) is "try again" after the store's statement timeout, not a wait without
    /// end; the same store works again once the lock is gone.
    @Test func aStatementThatGetsNoAnswerGivesUpAtTheTimeout() throws {
        let url = try server.freshDatabase()
        let name = database(of: url)
        let store = try PostgresTokenStore(url: url, statementTimeout: 1)
        try store.save(TokenStoreContractTests.install(7))
        let holder = try server.session(
            "BEGIN; LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(6); COMMIT;", database: name)
        defer { holder.waitUntilExit() }
        var held = false
        for _ in 0..<500 where !held {
            held =
                try server.sql(
                    "SELECT count(*) FROM pg_locks WHERE relation = 'tokens'::regclass "
                        + "AND mode = 'AccessExclusiveLock' AND granted",
                    database: name
                ).trimmingCharacters(in: .whitespacesAndNewlines) == "1"
            if !held { usleep(10_000) }
        }
        #expect(held)
        let started = Date()
        let error = try #require(throws: TokenStoreError.self) { try store.install(hubID: 7) }
        #expect(Date().timeIntervalSince(started) < 4, "waited for the lock instead of the timeout")
        #expect(error.detail.hasSuffix(": the server did not answer within 1 s"), "\(error.detail)")
        #expect(error.unavailable)
        holder.waitUntilExit()
        #expect(try store.install(hubID: 7)?.hubID == 7)
    }

    /// A session the server ended while the store was idle (a restart, an administrator's
    /// `pg_terminate_backend`) is noticed before the next statement is sent: that statement runs
    /// on a new connection instead of failing, so a server restarted while a hook waited for
    /// HubSpot does not lose the tokens of a code already spent.
    @Test func aSessionEndedBetweenCallsIsReopenedBeforeTheNextStatement() throws {
        let url = try server.freshDatabase()
        let name = database(of: url)
        let store = try PostgresTokenStore(url: url)
        try store.save(TokenStoreContractTests.install(7))
        let ended = try server.sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '\(name)' "
                + "AND pid <> pg_backend_pid()")
        #expect(ended.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        // The server's goodbye has arrived once the session is gone from pg_stat_activity.
        for _ in 0..<500 {
            let left = try server.sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = '\(name)' AND pid <> pg_backend_pid()")
            if left.trimmingCharacters(in: .whitespacesAndNewlines) == "0" { break }
            usleep(10_000)
        }
        #expect(try store.install(hubID: 7)?.hubID == 7)
        try store.save(TokenStoreContractTests.install(8))
        #expect(try store.installs().map(\.hubID) == [7, 8])
    }

    /// A host that dies while holding a refresh lock must not keep it for the system's two-hour
    /// TCP keepalive: the server's end of the lock's connection probes after 10 s (`ss` shows the
    /// keepalive timer of that socket, found by the session's client port).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ss")))
    func theServerNoticesADeadLockHolderWithinSeconds() throws {
        let url = try server.freshDatabase()
        let store = try PostgresTokenStore(url: url)
        let lock = try store.refreshLock(hubID: 424_242, waiting: 0)
        defer { lock.release() }
        let clientPort = try server.sql(
            "SELECT client_port FROM pg_stat_activity WHERE query LIKE 'SELECT pg_try_advisory_lock%' "
                + "AND datname = '\(database(of: url))'"
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(clientPort) != nil, "no session holds the lock: \(clientPort)")
        // Until the last answer is acknowledged the socket shows its retransmission timer instead.
        var text = ""
        for _ in 0..<100 where !text.contains("keepalive") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/ss")
            process.arguments = [
                "-tnoH", "state", "established", "( sport = :\(server.port) and dport = :\(clientPort) )",
            ]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if !text.contains("keepalive") { usleep(20_000) }
        }
        #expect(text.contains("timer:(keepalive,"), "\(text)")
        #expect(!text.contains("min,"), "the server keeps a dead holder's lock for minutes: \(text)")
    }

    /// libpq's own messages can quote the URL (a bad percent-encoding, an unknown parameter): every
    /// way a URL holding the password can fail must leave it out of the error.
    @Test func thePasswordNeverAppearsInAnError() throws {
        let url = try server.freshDatabase()
        let name = database(of: url)
        let password = server.password
        let port = server.port
        let broken: [(String, String)] = [
            (server.url(database: name, password: "wrong-" + password), "password authentication failed"),
            (
                "postgresql://tester@127.0.0.1:\(port)/\(name)?password=wrong-\(password)",
                "password authentication failed"
            ),
            ("postgresql://tester:\(password)%zz@127.0.0.1:\(port)/\(name)", "cannot be parsed"),
            ("postgresql://tester:\(password)@127.0.0.1:\(port)/\(name)?bogus=\(password)", "cannot be parsed"),
            ("postgres://tester:\(password)@127.0.0.1:\(port)/\(name)?sslmode=\(password)", "refused a parameter"),
            ("postgresql://tester:\(password)@127.0.0.1:\(Self.closedPort())/\(name)", "connection refused"),
            ("postgresql://tester:\(password)@127.0.0.1:\(port)/\(name)?sslmode=require", "TLS"),
            ("postgresql://tester:\(password)@127.0.0.1:\(port)/missing_db", "does not exist"),
            ("postgresql://nobody:\(password)@127.0.0.1:\(port)/\(name)", "password authentication failed"),
            (
                "postgresql://tester:\(password)@127.0.0.1:\(port)/\(name)?sslmode=verify-full&sslrootcert=/nonexistent",
                "TLS"
            ),
            // A password pasted without percent-encoding its '/': libpq reads the part before the
            // '/' as the port and the rest as the database name; or the '@host' forgotten.
            ("postgresql://tester:\(password.prefix(12))/\(password.dropFirst(12))@127.0.0.1:\(port)/\(name)", "port"),
            ("postgresql://tester:\(password)", "port"),
            ("postgresql://tester:0007310/\(password)@127.0.0.1:\(port)/\(name)", "port"),
            ("postgresql://127.0.0.1/\(name)?port=\(password)", "port"),
        ]
        for (url, phrase) in broken {
            var details = [String]()
            do {
                let store = try PostgresTokenStore(url: url)
                _ = try store.installs()
                Issue.record("no error for a broken URL")
            } catch {
                details.append(error.detail)
                details.append(String(describing: error))
            }
            for detail in details {
                #expect(detail.contains(phrase), "\(detail)")
                #expect(!detail.contains(password), "the password appears in: \(detail)")
                #expect(!detail.contains(password.dropFirst(12)), "part of the password appears in: \(detail)")
                #expect(!detail.contains("0007310"), "part of the password appears in: \(detail)")
                #expect(!detail.contains("pg-test-pw"), "part of the password appears in: \(detail)")
            }
        }
        // And the right password works, given in the URL or in PGPASSWORD-style query parameter.
        #expect(try PostgresTokenStore(url: url).installs() == [])
        #expect(
            try PostgresTokenStore(url: "postgresql://tester@127.0.0.1:\(port)/\(name)?password=\(password)")
                .installs() == [])
    }

    /// The advice of docs/tokens.md: the password in a libpq password file the URL names, not in the URL.
    @Test func aPasswordFileNamedByTheURLWorks() throws {
        let url = try server.freshDatabase()
        let directory = TemporaryDirectory()
        let file = directory.path + "/pgpass"
        _ = FileManager.default.createFile(
            atPath: file, contents: Data("127.0.0.1:\(server.port):*:tester:\(server.password)\n".utf8),
            attributes: [.posixPermissions: 0o600])
        let store = try PostgresTokenStore(
            url: "postgresql://tester@127.0.0.1:\(server.port)/\(database(of: url))?passfile=\(file)")
        try store.save(TokenStoreContractTests.install(7))
        #expect(try store.install(hubID: 7)?.hubID == 7)
    }

    @Test func theURLIsShownWithoutItsPassword() {
        #expect(
            TokenDatabase.redacted("postgresql://app:s3cret@db.example.com:5433/tokens?sslmode=verify-full")
                == "postgresql://app:<redacted>@db.example.com:5433/tokens?sslmode=verify-full")
        #expect(
            TokenDatabase.redacted("postgres://app@db/tokens?password=s3cret&sslrootcert=/etc/ca.pem&x=1")
                == "postgres://app@db/tokens?password=<redacted>&sslrootcert=/etc/ca.pem&x=<redacted>")
        // A password pasted into the wrong parameter (or alone) stays hidden; known forms are shown.
        #expect(
            TokenDatabase.redacted("postgresql://db/t?sslmode=s3cret&connect_timeout=5&port=x&s3cret&passfile=/p")
                == "postgresql://db/t?sslmode=<redacted>&connect_timeout=5&port=<redacted>&<redacted>&passfile=/p")
        // Split where libpq splits: a password's unencoded '/' ends the user part, so the port and
        // the path hold the password and nothing of the URL is shown (and the configuration refuses
        // it); a '?' or '#' before the '@' is still the password's.
        for url in [
            "postgresql://app:s3c/ret@db:5432/t", "postgresql://app:s3cret", "postgresql://app:s3c/ret?a=b@db/t",
            "postgresql://app:s3c@ret@db/t", "postgresql://db/s3c@ret",
        ] {
            #expect(TokenDatabase.redacted(url) == "postgresql://<redacted>", "\(url)")
            #expect(TokenDatabase.formProblem(url)?.contains("%2F") == true, "\(url)")
        }
        #expect(TokenDatabase.redacted("postgresql://app:s3c?ret@db/t") == "postgresql://app:<redacted>@db/t")
        #expect(TokenDatabase.redacted("postgresql://app:s3c#ret@db/t") == "postgresql://app:<redacted>@db/t")
        #expect(
            TokenDatabase.redacted("postgresql://app@[::1]:5432,db2:5433/t?user=x@y")
                == "postgresql://app@[::1]:5432,db2:5433/t?user=<redacted>")
        #expect(TokenDatabase.formProblem("postgresql://app:s3c?ret@[::1]:5432,db2:5433/t?user=x@y") == nil)
        #expect(
            TokenDatabase.redacted("/var/lib/hubspot-install/tokens.sqlite3")
                == "/var/lib/hubspot-install/tokens.sqlite3")
        #expect(TokenDatabase.formProblem("postgresql://app@db/tokens") == nil)
        #expect(TokenDatabase.formProblem("postgres://") == nil)
        #expect(TokenDatabase.formProblem("postgresql://app@db/tokens x") != nil)
        #expect(
            TokenDatabase.formProblem("mysql://db/tokens")
                == "must be an absolute path to a file, or a postgresql:// URL")
        #expect(TokenDatabase.formProblem("relative.sqlite3") != nil)
    }

    @Test func theStoreIsChosenByTheLocationsForm() throws {
        let directory = TemporaryDirectory()
        #expect(try TokenStoreLocation.open(directory.path + "/t.sqlite3") is SQLiteTokenStore)
        #expect(try TokenStoreLocation.open(try server.freshDatabase()) is PostgresTokenStore)
        #expect(TokenStoreLocation.problem(at: "postgresql://a:b@h/d?nonsense=1")?.contains("cannot be parsed") == true)
        #expect(TokenStoreLocation.problem(at: "postgresql://a:b@h/d?sslmode=verify-full") == nil)
        // Neither a path nor a postgresql:// URL (libpq's "key=value" form, a mistyped scheme, as
        // `--db` may be given): refused without quoting it, as it may hold a password.
        for location in [
            "host=db.internal dbname=hub user=app password=s3cret", "postgresql:/hub?password=s3cret",
            "jdbc:postgresql://db/hub?password=s3cret", "s3cret.sqlite3",
        ] {
            let error = try #require(throws: TokenStoreError.self) { try TokenStoreLocation.open(location) }
            #expect(error.detail.contains("absolute path"), "\(error.detail)")
            #expect(!error.detail.contains("s3cret"), "\(error.detail)")
        }
    }

    /// A port nothing listens on.
    static func closedPort() -> Int { PostgresServer.freePort() }
}
