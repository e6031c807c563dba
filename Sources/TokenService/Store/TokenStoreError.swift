internal import GRDB
internal import Glibc

/// Why the token store failed: the file (or database), the operation and SQLite's result code (or
/// PostgreSQL's SQLSTATE); never SQL arguments (they hold tokens), never a password.
package struct TokenStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    package var detail: String
    /// The store could not be reached (a database server down or restarting): trying again later
    /// may work, so an install shows "try again" rather than "failed".
    package var unavailable: Bool

    package init(detail: String, unavailable: Bool = false) {
        self.detail = detail
        self.unavailable = unavailable
    }

    init(_ error: any Error, path: String, doing what: String) {
        unavailable = false
        if let error = error as? TokenStoreError {
            detail = error.detail
            unavailable = error.unavailable
        } else if let error = error as? DatabaseError {
            detail = "cannot \(what) \(path): SQLite error \(error.extendedResultCode.rawValue) (\(error.resultCode))"
            // A full disk shows as SQLITE_FULL, or as an I/O error when the -shm file cannot grow:
            // say which it is when the file system says so.
            if Self.noSpaceLeft(beside: path) { detail += "; no space is left on its file system" }
        } else {
            detail = "cannot \(what) \(path)"
        }
    }

    package var description: String { detail }

    /// Whether the file system holding `path` has no block left for an unprivileged writer.
    static func noSpaceLeft(beside path: String) -> Bool {
        var info = statvfs()
        return statvfs(SQLiteTokenStore.directory(of: path), &info) == 0 && info.f_bavail == 0
    }
}
