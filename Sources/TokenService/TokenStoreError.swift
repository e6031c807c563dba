internal import GRDB

/// Why the token store failed: the file, the operation and SQLite's result code; never SQL
/// arguments (they hold tokens).
package struct TokenStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    package var detail: String

    package init(detail: String) { self.detail = detail }

    init(_ error: any Error, path: String, doing what: String) {
        if let error = error as? TokenStoreError {
            detail = error.detail
        } else if let error = error as? DatabaseError {
            detail = "cannot \(what) \(path): SQLite error \(error.extendedResultCode.rawValue) (\(error.resultCode))"
        } else {
            detail = "cannot \(what) \(path)"
        }
    }

    package var description: String { detail }
}
