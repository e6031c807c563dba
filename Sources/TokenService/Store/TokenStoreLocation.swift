internal import InstallFlow

/// Which store `INSTALL_TOKEN_DB` (or `tokens --db`) names: a `postgresql://` or `postgres://` URL
/// is a `PostgresTokenStore`, anything else the path of a `SQLiteTokenStore`. The one place that
/// decides, for the built-in hook and the `tokens` commands alike.
package enum TokenStoreLocation {
    /// The store at `location`. `create` applies to a SQLite file (a `tokens` command does not
    /// create one); a PostgreSQL database is never created, only its tables, on first use.
    package static func open(_ location: String, create: Bool = true) throws(TokenStoreError) -> any TokenStore {
        // `tokens --db` is not checked by the configuration: a libpq "host=... password=..." string
        // or a mistyped scheme there would otherwise be quoted as a file name, password and all.
        if let problem = TokenDatabase.formProblem(location) {
            throw TokenStoreError(
                detail: "the token database \(problem); its text is not shown, as it may hold a password")
        }
        if TokenDatabase.isPostgreSQL(location) { return try PostgresTokenStore(url: location) }
        return try SQLiteTokenStore(path: location, create: create)
    }

    /// What would keep `location` from serving as the store, found without creating or connecting
    /// to anything (for `check`): for a URL, only whether libpq can parse it.
    package static func problem(at location: String) -> String? {
        if TokenDatabase.isPostgreSQL(location) {
            do {
                _ = try PostgresTokenStore(url: location)
                return nil
            } catch {
                return error.detail
            }
        }
        return SQLiteTokenStore.problem(at: location)
    }
}
