internal import CPostgres
internal import Foundation
internal import Glibc
internal import InstallFlow

/// The PostgreSQL token store (`INSTALL_TOKEN_DB=postgresql://...`): the same rows and the same
/// semantics as `SQLiteTokenStore`, in a database several hosts share, so the responders of two
/// hosts behind one load balancer see one store.
///
/// The URL goes to libpq unchanged, so every libpq parameter works (`sslmode=verify-full`,
/// `sslrootcert=`, `connect_timeout=`, ...) and so do libpq's environment variables and password
/// file (`PGPASSWORD`, `PGPASSFILE`). A password may be in the URL: no message of this type ever
/// shows the URL or a message of libpq (which can echo parts of it); errors are built from the
/// host, port and database name, PostgreSQL's SQLSTATE and fixed phrases; the server's notices
/// (which a trigger can fill with a row's values) are dropped rather than printed on stderr.
///
/// Every query is `PQsendQueryParams` with text parameters: no value is ever written into SQL.
/// The connection is opened on first use (so a server that is down when a hook starts is "try
/// again", like one that goes down during the install), reopened when it broke (a session the
/// server ended while the connection was idle is noticed before the next statement, which then
/// runs on a new one), and used by one thread at a time. The schema is created, or brought up to date, in one transaction under an advisory
/// lock the first time a store instance connects, and its version kept in `schema_version`.
///
/// No call waits for the server without bound: connecting gives up after
/// `defaultConnectTimeout` seconds unless the URL (or `PGCONNECT_TIMEOUT`) says otherwise, and a
/// statement whose answer has not come within `statementTimeout` seconds (a row or table lock
/// another session holds, a server or network that stopped answering) shuts the connection down
/// and fails as "try again"; the next call opens a new one.
///
/// The refresh lock of an account is a session advisory lock (`pg_try_advisory_lock`) on a
/// connection of its own, polled like the SQLite store's `flock`; closing that connection (or the
/// process dying) releases it.
package final class PostgresTokenStore: TokenStore, @unchecked Sendable {
    /// How errors name the database: `PostgreSQL database NAME at HOST:PORT`, never the URL.
    package let name: String
    /// The URL as given, for libpq only (it may hold a password).
    let url: String
    /// Seconds one statement may wait for the server's answer.
    let statementTimeout: Double
    private let lock = NSLock()
    /// Guarded by `lock`, like everything done with it: libpq connections are not thread-safe.
    private var connection: OpaquePointer?
    private var migrated = false

    /// The schema this code reads and writes (the row of `schema_version`). 1: `tokens` and
    /// `install_claims` with the columns of the SQLite store's version 2.
    static let schemaVersion = 1
    /// `pg_advisory_xact_lock(schemaLockNamespace, 0)` serialises schema changes; the refresh lock
    /// of hub H is `pg_try_advisory_lock(refreshLockNamespace, low 32 bits of H)` (two hub ids
    /// sharing those bits only wait for each other). Both are ASCII tags, unlikely to be an app's.
    static let schemaLockNamespace: Int32 = 0x4853_4953  // "HSIS"
    static let refreshLockNamespace: Int32 = 0x4853_4952  // "HSIR"
    /// libpq's `connect_timeout` when neither the URL nor `PGCONNECT_TIMEOUT` sets one: without
    /// it, a host that drops packets holds a connection attempt for the system's TCP timeout.
    static let defaultConnectTimeout = 10
    /// How long a statement may wait by default: ours take milliseconds, so only a lock held by
    /// someone else's transaction or a server that stopped answering takes this long.
    static let defaultStatementTimeout = 10.0

    /// Checks the URL's form (libpq parses it; nothing is connected yet).
    /// - Throws: `TokenStoreError` with a fixed phrase if libpq cannot parse it.
    package init(url: String, statementTimeout: Double = defaultStatementTimeout) throws(TokenStoreError) {
        guard let described = Self.describe(url) else {
            throw TokenStoreError(
                detail:
                    "the PostgreSQL URL in \(Setting.tokenDatabase) cannot be parsed (a bad percent-encoding or an "
                    + "unknown parameter?); its text is not shown as it may hold a password")
        }
        guard !described.isEmpty else {
            throw TokenStoreError(
                detail:
                    "the PostgreSQL URL in \(Setting.tokenDatabase) has a port that is not a number or a database name "
                    + "with '@' (a '/' in the password ends the user part unless written %2F); its text is not "
                    + "shown as it may hold a password")
        }
        name = described
        self.url = url
        self.statementTimeout = max(0.01, min(statementTimeout, 86_400))
    }

    deinit {
        if let connection { PQfinish(connection) }
    }

    // MARK: - TokenStore

    package func save(_ install: StoredInstall) throws(TokenStoreError) {
        try run("write") { () throws(TokenStoreError) in
            _ = try execute(
                """
                INSERT INTO tokens (hub_id, hub_domain, access_token, refresh_token, expires_at, scopes, token_type,
                                    installed_at, updated_at, user_id, user_email, app_id, hublet, status, install_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                ON CONFLICT (hub_id) DO UPDATE SET
                    hub_domain = excluded.hub_domain, access_token = excluded.access_token,
                    refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
                    scopes = excluded.scopes, token_type = excluded.token_type,
                    installed_at = excluded.installed_at, updated_at = excluded.updated_at,
                    user_id = excluded.user_id, user_email = excluded.user_email, app_id = excluded.app_id,
                    hublet = excluded.hublet, status = excluded.status, install_id = excluded.install_id
                """,
                [
                    Self.text(install.hubID), install.hubDomain, install.accessToken.value,
                    install.refreshToken.value, Self.text(install.expiresAt), install.scopes.joined(separator: " "),
                    install.tokenType, Self.text(install.installedAt), Self.text(install.updatedAt),
                    Self.text(install.userID), install.userEmail, Self.text(install.appID), install.hublet,
                    install.status.rawValue, install.installID,
                ], doing: "write")
        }
    }

    package func updateTokens(
        hubID: Int64, replacing: String, accessToken: String, refreshToken: String, expiresAt: Int64?,
        updatedAt: Int64
    ) throws(TokenStoreError) -> Bool {
        try run("write") { () throws(TokenStoreError) in
            try execute(
                """
                UPDATE tokens SET access_token = $1, refresh_token = $2, expires_at = $3, updated_at = $4
                WHERE hub_id = $5 AND refresh_token = $6 AND status = 'active'
                """,
                [accessToken, refreshToken, Self.text(expiresAt), Self.text(updatedAt), Self.text(hubID), replacing],
                doing: "write"
            ).changed > 0
        }
    }

    package func markRevoked(hubID: Int64, refreshToken: String, updatedAt: Int64) throws(TokenStoreError) -> Bool {
        try run("write") { () throws(TokenStoreError) in
            try execute(
                "UPDATE tokens SET status = $1, updated_at = $2 WHERE hub_id = $3 AND refresh_token = $4",
                [InstallStatus.revoked.rawValue, Self.text(updatedAt), Self.text(hubID), refreshToken],
                doing: "write"
            ).changed > 0
        }
    }

    package func replaceStoredTokens(
        hubID: Int64, expectedAccess: String, expectedRefresh: String, accessToken: String, refreshToken: String
    ) throws(TokenStoreError) -> Bool {
        try run("write") { () throws(TokenStoreError) in
            try execute(
                """
                UPDATE tokens SET access_token = $1, refresh_token = $2
                WHERE hub_id = $3 AND access_token = $4 AND refresh_token = $5
                """,
                [accessToken, refreshToken, Self.text(hubID), expectedAccess, expectedRefresh],
                doing: "write"
            ).changed > 0
        }
    }

    package func delete(hubID: Int64) throws(TokenStoreError) -> Bool {
        try run("write") { () throws(TokenStoreError) in
            try execute("DELETE FROM tokens WHERE hub_id = $1", [Self.text(hubID)], doing: "write").changed > 0
        }
    }

    package func installs() throws(TokenStoreError) -> [StoredInstall] {
        try run("read") { () throws(TokenStoreError) in
            try execute("SELECT \(Self.columns) FROM tokens ORDER BY hub_id", [], doing: "read").rows
                .map(Self.install)
        }
    }

    package func install(hubID: Int64) throws(TokenStoreError) -> StoredInstall? {
        try run("read") { () throws(TokenStoreError) in
            try execute(
                "SELECT \(Self.columns) FROM tokens WHERE hub_id = $1", [Self.text(hubID)], doing: "read"
            ).rows.first.map(Self.install)
        }
    }

    package func claim(installID: String, at now: Int64, staleAfter: Int64) throws(TokenStoreError) -> Bool {
        let (stale, _) = now.subtractingReportingOverflow(staleAfter)
        let (old, _) = now.subtractingReportingOverflow(SQLiteTokenStore.claimRetention)
        return try run("write") { () throws(TokenStoreError) in
            try transaction("write") { () throws(TokenStoreError) in
                // Finished claims are kept long enough to answer any duplicate; unfinished ones only
                // until their claimer must have died. Of two callers taking over one stale claim, the
                // second's DELETE waits for the first's and then finds the first's new row, which its
                // INSERT does not replace.
                _ = try execute(
                    "DELETE FROM install_claims WHERE claimed_at < $1 OR (finished_at IS NULL AND claimed_at < $2)",
                    [Self.text(old), Self.text(stale)], doing: "write")
                return try execute(
                    """
                    INSERT INTO install_claims (install_id, claimed_at) VALUES ($1, $2)
                    ON CONFLICT (install_id) DO NOTHING
                    """,
                    [installID, Self.text(now)], doing: "write"
                ).changed > 0
            }
        }
    }

    package func claimState(installID: String) throws(TokenStoreError) -> InstallClaim? {
        try run("read") { () throws(TokenStoreError) in
            try execute(
                """
                SELECT install_id, claimed_at, finished_at, hub_id, account, ungranted_optional_scopes
                FROM install_claims WHERE install_id = $1
                """,
                [installID], doing: "read"
            ).rows.first.map { row in
                let hubID = row[3].flatMap { Int64($0) }
                let ungranted = row[5] ?? ""
                return InstallClaim(
                    installID: row[0] ?? installID, claimedAt: row[1].flatMap { Int64($0) } ?? 0,
                    outcome: row[2] == nil
                        ? nil
                        : hubID.map { hubID in
                            InstallClaim.Outcome(
                                hubID: hubID, account: row[4] ?? "HubSpot account \(hubID)",
                                ungrantedOptionalScopes: ungranted.split(separator: " ").map(String.init))
                        })
            }
        }
    }

    package func finishClaim(installID: String, outcome: InstallClaim.Outcome, at now: Int64) throws(TokenStoreError) {
        try run("write") { () throws(TokenStoreError) in
            _ = try execute(
                """
                UPDATE install_claims SET finished_at = $1, hub_id = $2, account = $3, ungranted_optional_scopes = $4
                WHERE install_id = $5
                """,
                [
                    Self.text(now), Self.text(outcome.hubID), outcome.account,
                    outcome.ungrantedOptionalScopes.joined(separator: " "), installID,
                ], doing: "write")
        }
    }

    package func releaseClaim(installID: String) throws(TokenStoreError) {
        try run("write") { () throws(TokenStoreError) in
            _ = try execute(
                "DELETE FROM install_claims WHERE install_id = $1 AND finished_at IS NULL", [installID],
                doing: "write")
        }
    }

    package func refreshLock(hubID: Int64, waiting: Double) throws(TokenStoreError) -> RefreshLock {
        // A connection of its own: the lock lives as long as it does, and the store's connection
        // stays free for the re-read and the update the refresh makes meanwhile.
        let connection = try connect(doing: "lock")
        let parameters = [String(Self.refreshLockNamespace), String(Int32(truncatingIfNeeded: hubID))]
        // Polled rather than blocking, so a holder that hangs costs the others `waiting` seconds.
        let tries = Int(max(0, min(waiting, 3600)) * 100) + 1
        for attempt in 0..<tries {
            let result: QueryResult
            do {
                result = try Self.execute(
                    connection, "SELECT pg_try_advisory_lock($1::integer, $2::integer)", parameters, name: name,
                    doing: "lock", timeout: statementTimeout)
            } catch {
                PQfinish(connection)
                throw error
            }
            if result.rows.first?.first == "t" {
                let held = LockConnection(connection)
                return RefreshLock { held.close() }
            }
            if attempt + 1 < tries { usleep(10_000) }
        }
        PQfinish(connection)
        throw TokenStoreError(detail: "another refresh of hub \(hubID) did not finish within \(Int(waiting)) s")
    }

    // MARK: - Connection, transactions, queries

    /// Runs `body` holding the store's connection, connected and with the schema up to date.
    private func run<T>(_ what: String, _ body: () throws(TokenStoreError) -> T) throws(TokenStoreError) -> T {
        lock.lock()
        defer { lock.unlock() }
        if let current = connection, PQstatus(current) == CONNECTION_OK {
            // Nothing is owed on an idle connection, so anything readable is the server ending the
            // session (its 57P01 goodbye on a restart, or the end of the stream): read it now, and
            // the next statement goes to a new session instead of failing on the old one.
            var descriptor = pollfd(fd: PQsocket(current), events: Int16(POLLIN), revents: 0)
            for _ in 0..<4 where PQstatus(current) == CONNECTION_OK && poll(&descriptor, 1, 0) > 0 {
                if PQconsumeInput(current) == 0 { break }
            }
        }
        if let current = connection, PQstatus(current) != CONNECTION_OK {
            // Broken (the server restarted): a new session, which also drops any half-done transaction.
            PQfinish(current)
            connection = nil
        }
        if connection == nil { connection = try connect(doing: what) }
        if !migrated {
            try transaction("open") { () throws(TokenStoreError) in try migrate() }
            migrated = true
        }
        return try body()
    }

    /// `body` between BEGIN and COMMIT; rolled back if it throws. Caller holds `lock`.
    private func transaction<T>(_ what: String, _ body: () throws(TokenStoreError) -> T) throws(TokenStoreError)
        -> T
    {
        _ = try execute("BEGIN", [], doing: what)
        do {
            let result = try body()
            _ = try execute("COMMIT", [], doing: what)
            return result
        } catch {
            // Bounded like every statement: after a timeout the connection is already shut down.
            if let connection {
                _ = try? Self.execute(connection, "ROLLBACK", [], name: name, doing: what, timeout: statementTimeout)
            }
            throw error
        }
    }

    /// One statement on the store's connection (caller holds `lock`).
    private func execute(_ sql: String, _ parameters: [String?], doing what: String) throws(TokenStoreError)
        -> QueryResult
    {
        guard let connection else { throw TokenStoreError(detail: "cannot \(what) \(name): not connected") }
        return try Self.execute(connection, sql, parameters, name: name, doing: what, timeout: statementTimeout)
    }

    /// What a statement returned: its rows as text (nil for NULL) and how many rows it changed.
    struct QueryResult {
        var rows: [[String?]]
        var changed: Int
    }

    static func execute(
        _ connection: OpaquePointer, _ sql: String, _ parameters: [String?], name: String, doing what: String,
        timeout: Double
    ) throws(TokenStoreError) -> QueryResult {
        // Each value is its own C string, passed as a text parameter: PostgreSQL parses it by the
        // column's type, and no value is ever part of the SQL.
        let values = parameters.map { $0.flatMap { strdup($0) } }
        defer { for value in values { free(value) } }
        let sent = values.map { UnsafePointer($0) }.withUnsafeBufferPointer { pointers in
            PQsendQueryParams(connection, sql, Int32(pointers.count), nil, pointers.baseAddress, nil, nil, 0)
        }
        guard sent == 1 else { throw failure(result: nil, connection: connection, name: name, doing: what) }
        let result = try answer(connection, timeout: timeout, name: name, doing: what)
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard let result, status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            throw failure(result: result, connection: connection, name: name, doing: what)
        }
        var rows = [[String?]]()
        let count = PQntuples(result)
        let fields = PQnfields(result)
        rows.reserveCapacity(Int(max(0, count)))
        for row in 0..<max(0, count) {
            rows.append(
                (0..<max(0, fields)).map { field in
                    PQgetisnull(result, row, field) == 1 ? nil : String(cString: PQgetvalue(result, row, field))
                })
        }
        let changed = PQcmdTuples(result).map { Int(String(cString: $0)) ?? 0 } ?? 0
        return QueryResult(rows: rows, changed: changed)
    }

    /// The result of the statement just sent (the first, if libpq gives several), waiting at
    /// most `timeout` seconds. On a timeout the socket is shut down, so libpq sees the connection
    /// end: nothing is left waiting for an answer still owed, and the next call reconnects.
    static func answer(_ connection: OpaquePointer, timeout: Double, name: String, doing what: String)
        throws(TokenStoreError) -> OpaquePointer?
    {
        let deadline = Deadline(secondsFromNow: timeout)
        var first: OpaquePointer?
        while true {
            while PQisBusy(connection) == 1 {
                let remaining = deadline.remainingSeconds
                if remaining <= 0 {
                    shutdown(PQsocket(connection), Int32(SHUT_RDWR))
                    _ = PQconsumeInput(connection)
                    while let late = PQgetResult(connection) { PQclear(late) }
                    PQclear(first)
                    throw TokenStoreError(
                        detail: "cannot \(what) \(name): the server did not answer within "
                            + "\(HubSpotExchangeHook.seconds(timeout))",
                        unavailable: true)
                }
                var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
                _ = poll(&descriptor, 1, Int32(min(remaining, 1) * 1000) + 1)
                // A lost connection: PQgetResult returns its error at once.
                if PQconsumeInput(connection) == 0 { break }
            }
            guard let result = PQgetResult(connection) else { return first }
            if first == nil { first = result } else { PQclear(result) }
        }
    }

    /// A new connection; errors name the database, never the URL or libpq's message. libpq gives
    /// up connecting after `defaultConnectTimeout` seconds unless the URL or the environment sets
    /// `connect_timeout` (the URL's keywords come after ours, so they win).
    private func connect(doing what: String) throws(TokenStoreError) -> OpaquePointer {
        var keywords = ["dbname"]
        var values = [url]
        if getenv("PGCONNECT_TIMEOUT") == nil {
            keywords.insert("connect_timeout", at: 0)
            values.insert(String(Self.defaultConnectTimeout), at: 0)
        }
        let keywordStrings = keywords.map { strdup($0) }
        let valueStrings = values.map { strdup($0) }
        defer { for string in keywordStrings + valueStrings { free(string) } }
        let made = (keywordStrings.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { keywordPointers in
            (valueStrings.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { valuePointers in
                PQconnectdbParams(keywordPointers.baseAddress, valuePointers.baseAddress, 1)
            }
        }
        guard let connection = made else {
            throw TokenStoreError(detail: "cannot \(what) \(name): libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let (phrase, unavailable) = Self.connectionProblem(connection)
            PQfinish(connection)
            throw TokenStoreError(detail: "cannot connect to \(name): \(phrase)", unavailable: unavailable)
        }
        // libpq prints the server's notices and warnings on stderr by default, and a trigger
        // someone added to `tokens` can raise one holding the row: dropped, never shown.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        // A host that dies without closing its connections (power lost, cut off from the network)
        // leaves the server holding its session, with the refresh lock on it, until the server's
        // TCP keepalive notices: two hours by the system's default, during which every refresh of
        // the account on the other hosts gives up. These make it about 25 s (no effect on a
        // Unix socket). A server that refuses them (a pooler, say) still serves; one that does not
        // answer is the error.
        do {
            _ = try Self.execute(
                connection,
                "SELECT set_config('tcp_keepalives_idle', '10', false), "
                    + "set_config('tcp_keepalives_interval', '5', false), "
                    + "set_config('tcp_keepalives_count', '3', false)",
                [], name: name, doing: what, timeout: statementTimeout)
        } catch  where error.unavailable {
            PQfinish(connection)
            throw error
        } catch {}
        return connection
    }

    // MARK: - Schema

    /// The statements that bring the schema from version `index` to `index + 1`.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE tokens (
                hub_id        BIGINT PRIMARY KEY,
                hub_domain    TEXT,
                access_token  TEXT NOT NULL,
                refresh_token TEXT NOT NULL,
                expires_at    BIGINT,
                scopes        TEXT NOT NULL,
                token_type    TEXT NOT NULL,
                installed_at  BIGINT NOT NULL,
                updated_at    BIGINT NOT NULL,
                user_id       BIGINT,
                user_email    TEXT,
                app_id        BIGINT,
                hublet        TEXT,
                status        TEXT NOT NULL DEFAULT 'active',
                install_id    TEXT
            )
            """,
            """
            CREATE TABLE install_claims (
                install_id                TEXT PRIMARY KEY,
                claimed_at                BIGINT NOT NULL,
                finished_at               BIGINT,
                hub_id                    BIGINT,
                account                   TEXT,
                ungranted_optional_scopes TEXT
            )
            """,
        ]
    ]

    /// Brings the schema to `schemaVersion` (caller is inside a transaction): under an advisory
    /// transaction lock, so two processes meeting an empty or old database change it once. A
    /// database already up to date is only read, so a read-only one still opens.
    private func migrate() throws(TokenStoreError) {
        _ = try execute(
            "SELECT pg_advisory_xact_lock($1::integer, 0)", [String(Self.schemaLockNamespace)], doing: "open")
        let exists = try execute("SELECT to_regclass('schema_version') IS NOT NULL", [], doing: "open")
        var version = 0
        if exists.rows.first?.first == "t" {
            let found = try execute("SELECT max(version) FROM schema_version", [], doing: "open")
            version = found.rows.first?.first.flatMap { $0.flatMap { Int($0) } } ?? 0
        } else {
            _ = try execute("CREATE TABLE schema_version (version INTEGER NOT NULL)", [], doing: "open")
        }
        if version > Self.schemaVersion {
            throw TokenStoreError(
                detail:
                    "\(name) has schema version \(version), newer than this hubspot-install knows "
                    + "(\(Self.schemaVersion)); use the newer hubspot-install")
        }
        guard version < Self.schemaVersion else { return }
        for step in Self.migrations[max(0, version)..<Self.schemaVersion] {
            for statement in step { _ = try execute(statement, [], doing: "open") }
        }
        _ = try execute("DELETE FROM schema_version", [], doing: "open")
        _ = try execute(
            "INSERT INTO schema_version (version) VALUES ($1)", [String(Self.schemaVersion)], doing: "open")
    }

    static let columns =
        "hub_id, hub_domain, access_token, refresh_token, expires_at, scopes, token_type, installed_at, updated_at, "
        + "user_id, user_email, app_id, hublet, status, install_id"

    /// A row of `SELECT columns`.
    private static func install(_ row: [String?]) -> StoredInstall {
        func integer(_ index: Int) -> Int64? { row[index].flatMap { Int64($0) } }
        return StoredInstall(
            hubID: integer(0) ?? 0, hubDomain: row[1], accessToken: Secret(row[2] ?? ""),
            refreshToken: Secret(row[3] ?? ""), expiresAt: integer(4),
            scopes: (row[5] ?? "").split(separator: " ").map(String.init), tokenType: row[6] ?? "",
            installedAt: integer(7) ?? 0, updatedAt: integer(8) ?? 0, userID: integer(9), userEmail: row[10],
            appID: integer(11), hublet: row[12],
            // An unknown word (written by a newer version) is not "active": do not hand out its tokens.
            status: row[13].flatMap(InstallStatus.init(rawValue:)) ?? .revoked, installID: row[14])
    }

    private static func text(_ value: Int64?) -> String? { value.map { String($0) } }

    // MARK: - Errors without the URL

    /// `PostgreSQL database NAME at HOST:PORT` from the parsed URL, or nil if libpq cannot parse
    /// it, or "" if a port is not a number or the database name holds an '@': libpq then read
    /// part of a password as the port and the rest as the database name, as in
    /// `postgresql://user:pass/word@host/db` (or `user:1234/word@...`, whose port is a number).
    /// Only these fields are read; libpq's parse error (which can quote the URL) is freed unread.
    static func describe(_ url: String) -> String? {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &error) else {
            if let error { PQfreemem(error) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var found = [String: String]()
        var option = options
        while let keyword = option.pointee.keyword {
            let key = String(cString: keyword)
            if ["host", "hostaddr", "port", "dbname"].contains(key), let value = option.pointee.val {
                found[key] = String(cString: value)
            }
            option += 1
        }
        func shown(_ value: String?) -> String? {
            // A database name can itself be a connection string in some libpq calls: never echo one.
            guard let value, !value.isEmpty, value.count <= 200,
                !value.contains(where: { $0 == "=" || $0 == " " || $0 == "@" || $0.isNewline })
            else { return nil }
            return value
        }
        let ports = found["port"].map { $0.split(separator: ",", omittingEmptySubsequences: false) } ?? []
        guard ports.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            !(found["dbname"] ?? "").contains("@")
        else { return "" }
        let host = shown(found["host"]) ?? shown(found["hostaddr"]) ?? "the default host"
        let port = shown(found["port"]).map { ":" + $0 } ?? ""
        return "PostgreSQL database \(shown(found["dbname"]) ?? "(default)") at \(host)\(port)"
    }

    /// Why a statement failed: the SQLSTATE (five characters PostgreSQL defines) and a phrase of
    /// ours; the server's message is not used, as it can hold values.
    static func failure(result: OpaquePointer?, connection: OpaquePointer, name: String, doing what: String)
        -> TokenStoreError
    {
        let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
        guard let state, state.count == 5, state.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            let lost = PQstatus(connection) != CONNECTION_OK
            return TokenStoreError(
                detail: "cannot \(what) \(name): "
                    + (lost ? "the connection to the server was lost" : "the query failed"),
                unavailable: lost)
        }
        let (phrase, unavailable) = sqlstatePhrase(state)
        return TokenStoreError(
            detail: "cannot \(what) \(name): PostgreSQL SQLSTATE \(state) (\(phrase))", unavailable: unavailable)
    }

    /// A phrase for the SQLSTATEs an operator meets, and whether trying again later may work.
    static func sqlstatePhrase(_ state: String) -> (String, Bool) {
        switch state {
        case "25006": return ("the database is read-only", false)
        case "53100": return ("the server's disk is full", false)
        case "53200": return ("the server is out of memory", true)
        case "53300": return ("the server has too many connections", true)
        case "42501": return ("permission denied to this database role", false)
        case "42P01", "42703": return ("a table or column is missing: the schema is not this version's", false)
        case "57P01", "57P02", "57P03": return ("the server is shutting down or starting up", true)
        case "40001", "40P01": return ("a concurrent transaction conflicted; try again", true)
        case "55P03": return ("a lock was not available", true)
        default:
            if state.hasPrefix("08") { return ("the connection failed", true) }
            if state.hasPrefix("58") { return ("the server had a system error", false) }
            return ("see the server's log", false)
        }
    }

    /// Why a connection failed, in a fixed phrase chosen by looking for libpq's (English) words in
    /// its message, which is never shown: it can quote the URL.
    static func connectionProblem(_ connection: OpaquePointer) -> (String, Bool) {
        let message = PQerrorMessage(connection).map { String(cString: $0).lowercased() } ?? ""
        let known: [(String, String, Bool)] = [
            ("password authentication failed", "password authentication failed", false),
            ("no password supplied", "the server wants a password and none was given", false),
            ("no pg_hba.conf entry", "the server's pg_hba.conf does not let this client in", false),
            ("does not exist", "the database or the role does not exist", false),
            ("connection refused", "connection refused (is the server running?)", true),
            ("timeout expired", "the connection timed out", true),
            ("could not translate host name", "the host name does not resolve", true),
            ("starting up", "the server is starting up", true),
            ("shutting down", "the server is shutting down", true),
            ("too many clients", "the server has too many connections", true),
            ("invalid", "libpq refused a parameter of the URL", false),
            ("certificate", "the server's TLS certificate was not accepted", false),
            ("ssl", "TLS with the server failed", false),
            ("no such file or directory", "no server listens on that socket", true),
        ]
        for (words, phrase, unavailable) in known where message.contains(words) { return (phrase, unavailable) }
        return ("libpq could not connect (its message is not shown, as it may quote the URL)", true)
    }
}

/// The connection holding one refresh lock; closing it releases the lock (at most once).
private final class LockConnection: @unchecked Sendable {
    private let lock = NSLock()
    private var connection: OpaquePointer?

    init(_ connection: OpaquePointer) { self.connection = connection }

    func close() {
        lock.withLock {
            if let connection { PQfinish(connection) }
            connection = nil
        }
    }
}
