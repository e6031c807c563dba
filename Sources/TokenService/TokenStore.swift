internal import GRDB
internal import Glibc
internal import InstallFlow

/// Where the built-in `hubspot` hook keeps token sets: one SQLite file, one row per `hub_id`.
///
/// Several responder processes (and `hubspot-install tokens` run by hand) may use the file at once:
/// it is in WAL mode, so readers never block the writer, and every connection waits up to
/// `busyTimeout` for another process's write lock instead of failing. The file holds refresh
/// tokens, so it is created mode 0600 by us, before SQLite opens it, and tightened to 0600 if it
/// was looser; SQLite gives its `-wal` and `-shm` files the same mode.
package final class TokenStore: Sendable {
    package let path: String
    private let queue: DatabaseQueue

    /// How long a write waits for another process's lock before giving up.
    static let busyTimeout: Double = 5

    /// Opens the store, creating the file (and its directory, mode 0700) when `create` is true.
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
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: Self.schema)
            }
        } catch {
            throw TokenStoreError(error, path: path, doing: "open")
        }
    }

    /// Stores the install, replacing any row for the same `hub_id` (a reinstall).
    package func save(_ install: StoredInstall) throws(TokenStoreError) {
        do {
            try queue.writeWithoutTransaction { db in
                try db.execute(
                    sql: """
                        INSERT INTO tokens (hub_id, hub_domain, access_token, refresh_token, expires_at, scopes,
                                            token_type, installed_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (hub_id) DO UPDATE SET
                            hub_domain = excluded.hub_domain, access_token = excluded.access_token,
                            refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
                            scopes = excluded.scopes, token_type = excluded.token_type,
                            installed_at = excluded.installed_at, updated_at = excluded.updated_at
                        """,
                    arguments: [
                        install.hubID, install.hubDomain, install.accessToken.value, install.refreshToken.value,
                        install.expiresAt, install.scopes.joined(separator: " "), install.tokenType,
                        install.installedAt, install.updatedAt,
                    ])
            }
        } catch {
            throw TokenStoreError(error, path: path, doing: "write")
        }
    }

    /// Every stored install, by hub id.
    package func installs() throws(TokenStoreError) -> [StoredInstall] {
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY hub_id").map(Self.install)
            }
        } catch {
            throw TokenStoreError(error, path: path, doing: "read")
        }
    }

    /// The install of one account, if stored.
    package func install(hubID: Int64) throws(TokenStoreError) -> StoredInstall? {
        do {
            return try queue.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM tokens WHERE hub_id = ?", arguments: [hubID]).map(Self.install)
            }
        } catch {
            throw TokenStoreError(error, path: path, doing: "read")
        }
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

    private static let schema = """
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
        """

    private static func install(_ row: Row) -> StoredInstall {
        let scopes: String = row["scopes"]
        return StoredInstall(
            hubID: row["hub_id"], hubDomain: row["hub_domain"], accessToken: Secret(row["access_token"]),
            refreshToken: Secret(row["refresh_token"]), expiresAt: row["expires_at"],
            scopes: scopes.split(separator: " ").map(String.init), tokenType: row["token_type"],
            installedAt: row["installed_at"], updatedAt: row["updated_at"])
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

/// Why the token store failed: the file, the operation and SQLite's result code; never SQL
/// arguments (they hold tokens).
package struct TokenStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    package var detail: String

    package init(detail: String) { self.detail = detail }

    init(_ error: any Error, path: String, doing what: String) {
        if let error = error as? DatabaseError {
            detail = "cannot \(what) \(path): SQLite error \(error.extendedResultCode.rawValue) (\(error.resultCode))"
        } else {
            detail = "cannot \(what) \(path)"
        }
    }

    package var description: String { detail }
}
