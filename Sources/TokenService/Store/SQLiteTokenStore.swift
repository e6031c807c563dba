internal import GRDB
internal import Glibc
internal import InstallFlow

/// The SQLite token store: one file, one row per `hub_id` in `tokens`, claims in `install_claims`.
///
/// Several responder processes (and `hubspot-install tokens` run by hand or by an app) may use the
/// file at once: it is in WAL mode, so readers never block the writer, and every connection waits
/// up to `busyTimeout` for another process's write lock instead of failing. The file holds refresh
/// tokens, so it is created mode 0600 by us, before SQLite opens it, and tightened to 0600 if it
/// was looser; SQLite gives its `-wal` and `-shm` files the same mode.
///
/// The refresh lock of an account is an `flock` on its own file in `<path>.locks/`, so a refresh,
/// which waits for HubSpot, never holds SQLite's single write lock (that would stall installs and
/// refreshes of every other account meanwhile).
package final class SQLiteTokenStore: TokenStore {
    package let path: String
    private let queue: DatabaseQueue

    /// How long a write waits for another process's lock before giving up.
    static let busyTimeout: Double = 5
    /// The schema this code reads and writes (`PRAGMA user_version`). 1 was the first release's
    /// `tokens` table; 2 added user, app, hublet, status, install id and the claims.
    static let schemaVersion = 2

    /// Opens the store, creating the file (and its directory, mode 0700) when `create` is true,
    /// and brings an older schema up to date in place.
    /// - Throws: `TokenStoreError` naming what failed, never a value from the file.
    package init(path: String, create: Bool = true) throws(TokenStoreError) {
        self.path = path
        try Self.prepareFile(path, create: create)
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.journalMode = .wal
        configuration.label = "hubspot-install tokens"
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.inTransaction(.immediate) { db in
                try Self.migrate(db, path: path)
                return .commit
            }
        } catch {
            throw TokenStoreError(error, path: path, doing: "open")
        }
    }

    package func save(_ install: StoredInstall) throws(TokenStoreError) {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO tokens (hub_id, hub_domain, access_token, refresh_token, expires_at, scopes,
                                        token_type, installed_at, updated_at, user_id, user_email, app_id,
                                        hublet, status, install_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (hub_id) DO UPDATE SET
                        hub_domain = excluded.hub_domain, access_token = excluded.access_token,
                        refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
                        scopes = excluded.scopes, token_type = excluded.token_type,
                        installed_at = excluded.installed_at, updated_at = excluded.updated_at,
                        user_id = excluded.user_id, user_email = excluded.user_email, app_id = excluded.app_id,
                        hublet = excluded.hublet, status = excluded.status, install_id = excluded.install_id
                    """,
                arguments: [
                    install.hubID, install.hubDomain, install.accessToken.value, install.refreshToken.value,
                    install.expiresAt, install.scopes.joined(separator: " "), install.tokenType,
                    install.installedAt, install.updatedAt, install.userID, install.userEmail, install.appID,
                    install.hublet, install.status.rawValue, install.installID,
                ])
        }
    }

    package func updateTokens(
        hubID: Int64, replacing: String, accessToken: String, refreshToken: String, expiresAt: Int64?,
        updatedAt: Int64
    ) throws(TokenStoreError) -> Bool {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE tokens SET access_token = ?, refresh_token = ?, expires_at = ?, updated_at = ?
                    WHERE hub_id = ? AND refresh_token = ? AND status = 'active'
                    """,
                arguments: [accessToken, refreshToken, expiresAt, updatedAt, hubID, replacing])
            return db.changesCount > 0
        }
    }

    package func markRevoked(hubID: Int64, refreshToken: String, updatedAt: Int64) throws(TokenStoreError) -> Bool {
        try write { db in
            try db.execute(
                sql: "UPDATE tokens SET status = ?, updated_at = ? WHERE hub_id = ? AND refresh_token = ?",
                arguments: [InstallStatus.revoked.rawValue, updatedAt, hubID, refreshToken])
            return db.changesCount > 0
        }
    }

    package func replaceStoredTokens(
        hubID: Int64, expectedAccess: String, expectedRefresh: String, accessToken: String, refreshToken: String
    ) throws(TokenStoreError) -> Bool {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE tokens SET access_token = ?, refresh_token = ?
                    WHERE hub_id = ? AND access_token = ? AND refresh_token = ?
                    """,
                arguments: [accessToken, refreshToken, hubID, expectedAccess, expectedRefresh])
            return db.changesCount > 0
        }
    }

    package func delete(hubID: Int64) throws(TokenStoreError) -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM tokens WHERE hub_id = ?", arguments: [hubID])
            return db.changesCount > 0
        }
    }

    package func installs() throws(TokenStoreError) -> [StoredInstall] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY hub_id").map { try Self.install($0) }
        }
    }

    package func install(hubID: Int64) throws(TokenStoreError) -> StoredInstall? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tokens WHERE hub_id = ?", arguments: [hubID])
                .map { try Self.install($0) }
        }
    }

    package func claim(installID: String, at now: Int64, staleAfter: Int64) throws(TokenStoreError) -> Bool {
        let (stale, _) = now.subtractingReportingOverflow(staleAfter)
        let (old, _) = now.subtractingReportingOverflow(Self.claimRetention)
        return try write { db in
            // Finished claims are kept long enough to answer any duplicate; unfinished ones only
            // until their claimer must have died (an exchange has a bounded timeout).
            try db.execute(
                sql: "DELETE FROM install_claims WHERE claimed_at < ? OR (finished_at IS NULL AND claimed_at < ?)",
                arguments: [old, stale])
            try db.execute(
                sql: "INSERT OR IGNORE INTO install_claims (install_id, claimed_at) VALUES (?, ?)",
                arguments: [installID, now])
            return db.changesCount > 0
        }
    }

    package func claimState(installID: String) throws(TokenStoreError) -> InstallClaim? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM install_claims WHERE install_id = ?", arguments: [installID])
                .map { row in
                    // Like a token row: a value of the wrong type is an error, never a trap.
                    func column<Value: DatabaseValueConvertible>(_ name: String) throws(TokenStoreError) -> Value {
                        do {
                            return try row.decode(Value.self, forColumn: name)
                        } catch {
                            throw TokenStoreError(
                                detail: "an install claim's stored \(name) is not of its column's type")
                        }
                    }
                    let hubID: Int64? = try column("hub_id")
                    let finished: Int64? = try column("finished_at")
                    let ungranted: String = try column("ungranted_optional_scopes") ?? ""
                    let account: String? = try column("account")
                    return InstallClaim(
                        installID: try column("install_id"), claimedAt: try column("claimed_at"),
                        outcome: finished == nil
                            ? nil
                            : hubID.map { hubID in
                                InstallClaim.Outcome(
                                    hubID: hubID, account: account ?? "HubSpot account \(hubID)",
                                    ungrantedOptionalScopes: ungranted.split(separator: " ").map(String.init))
                            })
                }
        }
    }

    package func finishClaim(installID: String, outcome: InstallClaim.Outcome, at now: Int64) throws(TokenStoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE install_claims SET finished_at = ?, hub_id = ?, account = ?, ungranted_optional_scopes = ?
                    WHERE install_id = ?
                    """,
                arguments: [
                    now, outcome.hubID, outcome.account, outcome.ungrantedOptionalScopes.joined(separator: " "),
                    installID,
                ])
        }
    }

    package func releaseClaim(installID: String) throws(TokenStoreError) {
        try write { db in
            try db.execute(
                sql: "DELETE FROM install_claims WHERE install_id = ? AND finished_at IS NULL", arguments: [installID])
        }
    }

    package func refreshLock(hubID: Int64, waiting: Double) throws(TokenStoreError) -> RefreshLock {
        let directory = path + ".locks"
        if let problem = FileSystem.makeDirectory(directory, mode: 0o700) { throw TokenStoreError(detail: problem) }
        let file = directory + "/" + String(hubID)
        let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw TokenStoreError(detail: "cannot open \(file): \(String(cString: strerror(errno)))")
        }
        // Polled rather than blocking, so a holder that hangs (stopped, not dead: a dead one's lock
        // goes with it) costs the others `waiting` seconds, not forever.
        let tries = Int(max(0, min(waiting, 3600)) * 100) + 1
        for attempt in 0..<tries {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                return RefreshLock { close(fd) }
            }
            guard errno == EWOULDBLOCK || errno == EINTR else { break }
            if attempt + 1 < tries { usleep(10_000) }
        }
        close(fd)
        throw TokenStoreError(detail: "another refresh of hub \(hubID) did not finish within \(Int(waiting)) s")
    }

    /// The directory holding the file at `path` (`/` for a file at the root).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// Whether `path` could serve as the store, without creating anything (for `check`).
    package static func problem(at path: String) -> String? {
        if FileSystem.isDirectory(directory(of: path)), let problem = FileSystem.ownershipProblem(directory(of: path)) {
            return problem
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFREG else { return "\(path) is not a regular file" }
            return access(path, R_OK | W_OK) == 0 ? nil : "\(path) is not readable and writable by this user"
        }
        var directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        while !directory.isEmpty && !FileSystem.isDirectory(directory) {
            if lstat(directory, &info) == 0 { return "cannot create \(path): \(directory) is not a directory" }
            directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
        }
        if directory.isEmpty { directory = "/" }
        return access(directory, W_OK | X_OK) == 0 ? nil : "cannot create \(path): \(directory) is not writable"
    }

    /// Finished claims older than this are forgotten: a duplicate delivery arrives within seconds.
    static let claimRetention: Int64 = 7 * 86_400

    private func write<T>(_ body: (Database) throws -> T) throws(TokenStoreError) -> T {
        do {
            // BEGIN IMMEDIATE: the write lock is taken at BEGIN, where the busy timeout applies,
            // never by upgrading a read, which fails at once when another process wrote meanwhile.
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                guard let result else { throw TokenStoreError(detail: "cannot write \(path)") }
                return result
            }
        } catch {
            throw TokenStoreError(error, path: path, doing: "write")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(TokenStoreError) -> T {
        do {
            return try queue.read(body)
        } catch {
            throw TokenStoreError(error, path: path, doing: "read")
        }
    }

    /// Brings the schema to `schemaVersion` inside one immediate transaction, so two processes
    /// opening an old file at once migrate it once.
    private static func migrate(_ db: Database, path: String) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if version > schemaVersion {
            throw TokenStoreError(
                detail:
                    "\(path) has schema version \(version), newer than this hubspot-install knows (\(schemaVersion))")
        }
        if version < 1 {
            // A file of the first release has this table and user_version 0.
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS tokens (
                        hub_id        INTEGER PRIMARY KEY NOT NULL,
                        hub_domain    TEXT,
                        access_token  TEXT NOT NULL,
                        refresh_token TEXT NOT NULL,
                        expires_at    INTEGER,
                        scopes        TEXT NOT NULL,
                        token_type    TEXT NOT NULL,
                        installed_at  INTEGER NOT NULL,
                        updated_at    INTEGER NOT NULL
                    )
                    """)
        }
        if version < 2 {
            try db.execute(
                sql: """
                    ALTER TABLE tokens ADD COLUMN user_id INTEGER;
                    ALTER TABLE tokens ADD COLUMN user_email TEXT;
                    ALTER TABLE tokens ADD COLUMN app_id INTEGER;
                    ALTER TABLE tokens ADD COLUMN hublet TEXT;
                    ALTER TABLE tokens ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
                    ALTER TABLE tokens ADD COLUMN install_id TEXT;
                    CREATE TABLE install_claims (
                        install_id                TEXT PRIMARY KEY NOT NULL,
                        claimed_at                INTEGER NOT NULL,
                        finished_at               INTEGER,
                        hub_id                    INTEGER,
                        account                   TEXT,
                        ungranted_optional_scopes TEXT
                    );
                    """)
        }
        if version < schemaVersion { try db.execute(sql: "PRAGMA user_version = \(schemaVersion)") }
    }

    /// A row of `tokens`. The file is outside input (whoever can write it, or restores a backup
    /// into it, chooses every value, and SQLite keeps any type in any column): a value of the
    /// wrong type (a blob where text belongs, text where a number does) is an error naming the hub
    /// id and the column, never a trap, and never GRDB's own message, which quotes the whole row.
    private static func install(_ row: Row) throws(TokenStoreError) -> StoredInstall {
        let hubID = try? row.decode(Int64.self, forColumn: "hub_id")
        func column<Value: DatabaseValueConvertible>(_ name: String) throws(TokenStoreError) -> Value {
            do {
                return try row.decode(Value.self, forColumn: name)
            } catch {
                throw TokenStoreError(
                    detail: "hub \(hubID.map { String($0) } ?? "(unreadable)"): the stored \(name) is not of its "
                        + "column's type")
            }
        }
        let scopes: String = try column("scopes")
        let status: String = try column("status")
        return StoredInstall(
            hubID: try column("hub_id"), hubDomain: try column("hub_domain"),
            accessToken: Secret(try column("access_token")), refreshToken: Secret(try column("refresh_token")),
            expiresAt: try column("expires_at"), scopes: scopes.split(separator: " ").map(String.init),
            tokenType: try column("token_type"), installedAt: try column("installed_at"),
            updatedAt: try column("updated_at"), userID: try column("user_id"), userEmail: try column("user_email"),
            appID: try column("app_id"), hublet: try column("hublet"),
            // An unknown word (written by a newer version) is not "active": do not hand out its tokens.
            status: InstallStatus(rawValue: status) ?? .revoked, installID: try column("install_id"))
    }

    /// Creates the file 0600 before SQLite can create it with the umask's mode, and refuses
    /// anything but a regular file (a symlink planted in a shared directory, say).
    private static func prepareFile(_ path: String, create: Bool) throws(TokenStoreError) {
        guard path.hasPrefix("/") else { throw TokenStoreError(detail: "\(path) is not an absolute path") }
        let directory = Self.directory(of: path)
        if create, let problem = FileSystem.makeDirectory(directory, mode: 0o700) {
            throw TokenStoreError(detail: problem)
        }
        // Whoever can write the directory can swap the file (or plant its -wal) under us.
        if FileSystem.isDirectory(directory), let problem = FileSystem.ownershipProblem(directory) {
            throw TokenStoreError(detail: problem)
        }
        let flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0)
        let fd = open(path, flags, 0o600)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: throw TokenStoreError(detail: "cannot open \(path): does not exist (no install yet?)")
            case EISDIR, ELOOP: throw TokenStoreError(detail: "\(path) is not a regular file")
            default: throw TokenStoreError(detail: "cannot open \(path): \(String(cString: strerror(errno)))")
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw TokenStoreError(detail: "\(path) is not a regular file")
        }
        if info.st_mode & 0o077 != 0 && fchmod(fd, 0o600) != 0 {
            throw TokenStoreError(detail: "\(path) is readable by others and cannot be made 0600")
        }
    }
}
