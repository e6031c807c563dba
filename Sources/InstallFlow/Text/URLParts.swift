/// The parts of an absolute URL that configuration rules look at. Deliberately small and strict:
/// it reads the URLs an operator writes, never a URL from a request.
package struct URLParts: Sendable, Equatable {
    package var scheme: String
    package var hasUserInfo: Bool
    package var host: String
    package var port: Int?
    /// Starts with `/`; `/` when the URL has no path.
    package var path: String
    package var query: String?
    package var hasFragment: Bool

    /// Nil when the text is not `scheme://authority[/path][?query][#fragment]` with a plain host,
    /// or holds anything but printable ASCII anywhere (query and fragment included): these URLs end
    /// up in `Location` headers and request lines, where a control byte would split the header.
    package init?(_ text: String) {
        guard PrintableText.isVisibleASCII(text), let colon = text.firstIndex(of: ":"),
            text[colon...].hasPrefix("://")
        else { return nil }
        scheme = text[..<colon].lowercased()
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter }) else { return nil }
        var rest = text[colon...].dropFirst(3)
        hasFragment = false
        if let hash = rest.firstIndex(of: "#") {
            hasFragment = true
            rest = rest[..<hash]
        }
        query = nil
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        let authority: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = String(rest[slash...])
        } else {
            authority = rest
            path = "/"
        }
        var hostPort = authority
        hasUserInfo = false
        if let at = authority.lastIndex(of: "@") {
            hasUserInfo = true
            hostPort = authority[authority.index(after: at)...]
        }
        port = nil
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return nil }
            host = String(hostPort[...close])
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Self.port(after.dropFirst()) else { return nil }
                port = number
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            guard let number = Self.port(hostPort[hostPort.index(after: colon)...]) else { return nil }
            port = number
            host = String(hostPort[..<colon])
        } else {
            host = String(hostPort)
        }
        host = host.lowercased()
        guard !host.isEmpty,
            host.utf8.allSatisfy({
                PrintableText.isVisibleASCII($0) && $0 != UInt8(ascii: "%") && $0 != UInt8(ascii: "\\")
            }),
            path.utf8.allSatisfy({ PrintableText.isVisibleASCII($0) && $0 != UInt8(ascii: "\\") })
        else { return nil }
    }

    /// 1 to 65535 in at most five plain digits (`Int(_:)` alone would take `+443`).
    private static func port(_ text: Substring) -> Int? {
        guard (1...5).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let number = Int(text), (1...65535).contains(number)
        else { return nil }
        return number
    }

    /// An IPv4 or IPv6 literal; HubSpot wants a domain in redirect URLs.
    package var isIPAddress: Bool {
        if host.hasPrefix("[") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
            || host.allSatisfy { $0.isNumber || $0 == "." }
    }
}
