/// The `returnUrl` HubSpot hands the Marketplace install URL, once it has passed every check.
///
/// We redirect the browser to it, so an unchecked one would make `/oauth/install` an open
/// redirect. It must be absolute https on `app.hubspot.com` or `app-<hublet>.hubspot.com`
/// (a hublet is lower-case letters and digits: `eu1`, `na2`), or on a host of
/// `INSTALL_RETURN_HOSTS`; printable ASCII without spaces or backslashes, no `user@`, no port on
/// HubSpot's hosts, at most 2,048 bytes. The text is kept exactly as it came: the checks
/// look at it, they never repair it.
package struct ReturnURL: Sendable, Equatable {
    package static let maximumLength = 2048

    package let text: String

    package init?(_ text: String, extraHosts: [ReturnHost]) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= Self.maximumLength,
            bytes.allSatisfy({ PrintableText.isVisibleASCII($0) && $0 != UInt8(ascii: "\\") })
        else { return nil }
        let isHTTPS: Bool
        let rest: Substring
        if text.hasPrefix("https://") {
            isHTTPS = true
            rest = text.dropFirst(8)
        } else if text.hasPrefix("http://") {
            isHTTPS = false
            rest = text.dropFirst(7)
        } else {
            return nil
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@"), let named = ReturnHost(String(authority)) else { return nil }
        if isHTTPS && named.port == nil && Self.isHubSpotHost(named.host) {
            self.text = text
            return
        }
        guard extraHosts.contains(where: { $0 == named && (isHTTPS || $0.allowsHTTP) }) else { return nil }
        self.text = text
    }

    /// `app.hubspot.com` or `app-<hublet>.hubspot.com`, and nothing that merely ends or starts so.
    package static func isHubSpotHost(_ host: String) -> Bool {
        if host == "app.hubspot.com" { return true }
        guard host.hasPrefix("app-"), host.hasSuffix(".hubspot.com") else { return false }
        let hublet = host.utf8.dropFirst(4).dropLast(12)
        return !hublet.isEmpty && hublet.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    /// The URL with `state=<state>` added to its query (before any fragment). A state is
    /// base64url, every character unreserved, so it goes in as it is.
    package func adding(state: String) -> String {
        var base = Substring(text)
        var fragment: Substring = ""
        if let hash = text.firstIndex(of: "#") {
            base = text[..<hash]
            fragment = text[hash...]
        }
        let separator: String
        if !base.contains("?") {
            separator = "?"
        } else if base.hasSuffix("?") || base.hasSuffix("&") {
            separator = ""
        } else {
            separator = "&"
        }
        return base + separator + "state=" + state + fragment
    }
}
