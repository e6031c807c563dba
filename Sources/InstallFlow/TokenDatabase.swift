/// What `INSTALL_TOKEN_DB` names: an absolute SQLite path, or a PostgreSQL URL handed to libpq as
/// it is. The responder never opens the store (only `hubspot-install-tokens` does, and only it
/// links libpq), so here the URL's form is all that is checked, and the way it is shown in `check`
/// leaves out the password.
package enum TokenDatabase {
    /// The URL schemes libpq reads as a connection URI.
    package static let postgresSchemes = ["postgresql://", "postgres://"]

    /// Whether `value` is meant as a PostgreSQL connection URL rather than a SQLite path.
    package static func isPostgreSQL(_ value: String) -> Bool {
        postgresSchemes.contains { value.hasPrefix($0) }
    }

    /// What is wrong with the form of `value` as `INSTALL_TOKEN_DB`, or nil. A PostgreSQL URL is
    /// only checked for bytes no URL holds (spaces, control characters), which would otherwise
    /// reach libpq and be echoed in its messages.
    package static func formProblem(_ value: String) -> String? {
        if isPostgreSQL(value) {
            let bad = value.utf8.contains { $0 <= 0x20 || $0 == 0x7F }
            return bad ? "a postgresql:// URL must not contain spaces or control characters" : nil
        }
        if !value.hasPrefix("/") || value.hasSuffix("/") {
            return "must be an absolute path to a file, or a postgresql:// URL"
        }
        return nil
    }

    /// `value` as it may be shown: a SQLite path as it is; a URL with the password after `user:`
    /// and the value of every query parameter but a few harmless ones in their expected form
    /// (`sslmode=verify-full`, `sslrootcert=/path`, ...) replaced by `<redacted>`, so a password
    /// given as `?password=` is hidden too.
    package static func redacted(_ value: String) -> String {
        guard let scheme = postgresSchemes.first(where: { value.hasPrefix($0) }) else { return value }
        let rest = value.dropFirst(scheme.count)
        let query = rest.firstIndex(of: "?")
        let beforeQuery = rest[..<(query ?? rest.endIndex)]
        let authorityEnd = beforeQuery.firstIndex(of: "/") ?? beforeQuery.endIndex
        var authority = String(beforeQuery[..<authorityEnd])
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                authority = String(userInfo[..<colon]) + ":<redacted>" + authority[at...]
            }
        }
        var shown = scheme + authority + beforeQuery[authorityEnd...]
        if let query {
            let parameters = rest[rest.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false)
            shown +=
                "?"
                + parameters.map { parameter -> String in
                    guard let equals = parameter.firstIndex(of: "=") else { return "<redacted>" }
                    let name = String(parameter[..<equals])
                    let value = String(parameter[parameter.index(after: equals)...])
                    return name + "=" + (isShown(name: name, value: value) ? value : "<redacted>")
                }.joined(separator: "&")
        }
        return shown
    }

    /// Whether a query parameter's value may be shown: only when it has the form the parameter
    /// expects (a word of its list, a number, an absolute path), so a password pasted into the
    /// wrong parameter stays hidden too.
    static func isShown(name: String, value: String) -> Bool {
        if let words = shownWords[name] { return words.contains(value) }
        if numericParameters.contains(name) {
            return !value.isEmpty && value.allSatisfy(\.isASCII) && Int(value) != nil
        }
        if pathParameters.contains(name) { return value.hasPrefix("/") && value.count <= 200 }
        return false
    }

    static let shownWords: [String: Set<String>] = [
        "sslmode": ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"],
        "gssencmode": ["disable", "prefer", "require"],
        "channel_binding": ["disable", "prefer", "require"],
        "target_session_attrs": ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"],
    ]
    static let numericParameters: Set<String> = [
        "port", "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
        "tcp_user_timeout",
    ]
    static let pathParameters: Set<String> = ["sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir", "passfile"]
}
