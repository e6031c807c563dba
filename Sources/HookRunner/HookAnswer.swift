/// What an exec hook printed on stdout when it exited 0: nothing, or one JSON object whose optional
/// `redirect` chooses where the user goes next, whose optional `account` names what was connected,
/// and whose optional `ungranted_optional_scopes` lists the optional scopes the account did not grant.
/// Other keys are ignored, so hooks can print more than this version reads.
///
/// Anything else is a failure rather than something to guess at, and no rejection quotes the
/// output: a hook that echoes its stdin would otherwise put the code into the log.
struct HookAnswer {
    var redirect: String?
    var account: String?
    var ungrantedOptionalScopes: [String] = []

    /// Why the output was refused, in words fit for the log.
    struct Rejection: Error {
        var detail: String
    }

    init(stdout: BoundedOutput) throws(Rejection) {
        guard !stdout.overflowed else {
            throw Rejection(detail: "hook printed more than \(stdout.limit / 1024) KiB")
        }
        let jsonWhitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        if stdout.bytes.allSatisfy(jsonWhitespace.contains) { return }

        let fields: HookJSON
        do {
            fields = try HookJSON(stdout.bytes)
        } catch {
            throw Rejection(detail: "hook printed something that is not a JSON object")
        }
        let redirect = try Self.string("redirect", in: fields)
        if let redirect, !Self.isAcceptableRedirect(redirect) {
            throw Rejection(detail: "hook chose a redirect that is not an absolute https URL")
        }
        self.redirect = redirect
        self.account = try Self.string("account", in: fields)
        switch fields.members["ungranted_optional_scopes"] {
        case nil, .null: break
        case .strings(let scopes): self.ungrantedOptionalScopes = scopes
        default:
            throw Rejection(detail: #"hook printed a "ungranted_optional_scopes" that is not a list of strings"#)
        }
    }

    private static func string(_ key: String, in fields: HookJSON) throws(Rejection) -> String? {
        switch fields.members[key] {
        case nil, .null: return nil
        case .string(let text): return text
        default: throw Rejection(detail: "hook printed a \"\(key)\" that is not a string")
        }
    }

    /// Absolute https, or http to localhost for a local stand-in: the rule DESIGN.md §3 sets for the
    /// URLs it configures. Checked strictly on the characters RFC 3986 allows, because browsers and
    /// URL parsers disagree about backslashes, whitespace and userinfo; those are refused, not read.
    private static func isAcceptableRedirect(_ url: String) -> Bool {
        guard url.utf8.count <= 2048, url.utf8.allSatisfy(isURICharacter) else { return false }
        let lowercased = url.lowercased()
        let schemeLength: Int
        if lowercased.hasPrefix("https://") {
            schemeLength = "https://".count
        } else if lowercased.hasPrefix("http://") {
            schemeLength = "http://".count
        } else {
            return false
        }
        let authority = lowercased.dropFirst(schemeLength).prefix { !"/?#".contains($0) }
        guard !authority.contains("@") else { return false }

        let host: Substring
        let port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return false }
            host = authority[...close]
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else { return false }
            port = rest.isEmpty ? nil : rest.dropFirst()
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        } else {
            host = authority
            port = nil
        }
        guard !host.isEmpty else { return false }
        if let port, port.isEmpty || port.count > 5 || !port.allSatisfy(\.isASCIIDigit) { return false }
        return schemeLength == "https://".count || host == "localhost"
    }

    private static func isURICharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: Array("-._~:/?#[]@!$&'()*+,;=%".utf8).contains(byte)
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
