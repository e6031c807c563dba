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
            if bad { return "a postgresql:// URL must not contain spaces or control characters" }
            if !libpqParts(value).plausible {
                // Not quoted: what libpq would take for the port or database is likely part of a password.
                return "a postgresql:// URL must read user:password@host:port/database as libpq splits it (a port "
                    + "that is a number, no '@' in the database name): percent-encode '/' (%2F) and '@' (%40) in "
                    + "the user name and password"
            }
            return nil
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
        let parts = libpqParts(value)
        // A port that is not a number or an '@' past the hosts: a password's '/' ended libpq's user
        // part early, and the rest of the password is where the port and database name are read.
        guard parts.plausible else { return scheme + "<redacted>" }
        var shown = scheme
        if let userInfo = parts.userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                shown += userInfo[..<colon] + ":<redacted>"
            } else {
                shown += userInfo
            }
            shown += "@"
        }
        shown += parts.hosts + parts.path
        if let query = parts.query {
            shown +=
                "?"
                + query.split(separator: "&", omittingEmptySubsequences: false).map { parameter -> String in
                    guard let equals = parameter.firstIndex(of: "=") else { return "<redacted>" }
                    let name = String(parameter[..<equals])
                    let value = String(parameter[parameter.index(after: equals)...])
                    return name + "=" + (isShown(name: name, value: value) ? value : "<redacted>")
                }.joined(separator: "&")
        }
        return shown
    }

    /// A URL split where libpq splits it: the user part (`user:password`) ends at the first '@'
    /// only if no '/' comes before it (a password may hold '?', '#' or ':', but not '/' or '@'
    /// unencoded); then the hosts up to '/' or '?', the path up to '?', and the query.
    struct LibpqParts {
        var userInfo: Substring?
        var hosts: Substring
        var path: Substring
        var query: Substring?

        /// Whether each port is a number and the path holds no '@': otherwise libpq split a
        /// password in the wrong place, and the port or the database name is part of it.
        var plausible: Bool {
            guard !path.contains("@") else { return false }
            return hosts.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { host in
                guard !host.contains("@") else { return false }
                var port: Substring
                if host.hasPrefix("[") {
                    guard let close = host.firstIndex(of: "]") else { return false }
                    port = host[host.index(after: close)...]
                    if !port.isEmpty {
                        guard port.hasPrefix(":") else { return false }
                        port = port.dropFirst()
                    }
                } else {
                    port = host.firstIndex(of: ":").map { host[host.index(after: $0)...] } ?? ""
                }
                return port.allSatisfy { $0.isASCII && $0.isNumber }
            }
        }
    }

    /// `value` (a `postgresql://` URL) split as libpq splits it, percent-encodings left as they are.
    static func libpqParts(_ value: String) -> LibpqParts {
        let scheme = postgresSchemes.first { value.hasPrefix($0) } ?? ""
        let rest = value.dropFirst(scheme.count)
        var userInfo: Substring?
        var tail = rest
        if let mark = rest.firstIndex(where: { $0 == "@" || $0 == "/" }), rest[mark] == "@" {
            userInfo = rest[..<mark]
            tail = rest[rest.index(after: mark)...]
        }
        let hostsEnd = tail.firstIndex { $0 == "/" || $0 == "?" } ?? tail.endIndex
        let query = tail[hostsEnd...].firstIndex(of: "?")
        return LibpqParts(
            userInfo: userInfo, hosts: tail[..<hostsEnd], path: tail[hostsEnd..<(query ?? tail.endIndex)],
            query: query.map { tail[tail.index(after: $0)...] })
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
