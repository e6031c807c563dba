/// One entry of `INSTALL_RETURN_HOSTS`: a host (and port) besides HubSpot's own that a Marketplace
/// `returnUrl` may name, such as a local stand-in of HubSpot.
package struct ReturnHost: Sendable, Equatable {
    /// Lower case, without the port.
    package var host: String
    /// Nil: the URL must name no port.
    package var port: Int?

    /// Plain http is allowed only for a loopback host, where nothing travels over a network.
    package var allowsHTTP: Bool { URLParts.isLoopback(host: host) }

    /// Parses `host` or `host:port` as an operator writes it; nil for anything else (a scheme, a
    /// path, userinfo, a wildcard).
    package init?(_ text: String) {
        let lowered = text.lowercased()
        var host = Substring(lowered)
        var port: Int?
        if lowered.hasPrefix("[") {
            guard let close = lowered.firstIndex(of: "]") else { return nil }
            host = lowered[...close]
            let after = lowered[lowered.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Self.port(after.dropFirst()) else { return nil }
                port = number
            }
            guard host == "[::1]" else { return nil }
        } else {
            if let colon = lowered.firstIndex(of: ":") {
                guard let number = Self.port(lowered[lowered.index(after: colon)...]) else { return nil }
                port = number
                host = lowered[..<colon]
            }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            guard !host.isEmpty, host.utf8.count <= 253,
                labels.allSatisfy({ label in
                    !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                        && label.utf8.allSatisfy {
                            ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D
                        }
                })
            else { return nil }
        }
        self.host = String(host)
        self.port = port
    }

    private static func port(_ digits: Substring) -> Int? {
        guard !digits.isEmpty, digits.utf8.count <= 5, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let number = Int(digits), (1...65535).contains(number)
        else { return nil }
        return number
    }
}
