/// Where a URL may lead, in one place: which hosts plain http may reach, the rule for every
/// absolute URL we send a browser or a request to, the narrower rule for an endpoint, the stricter
/// one for the redirect a hook chooses, and HubSpot's own rule for the redirect URI, side by side
/// so that a difference between them is a decision, not a drift.
extension URLParts {
    /// The longest redirect a hook may choose.
    package static let maximumRedirectLength = 2048

    /// A loopback host: `localhost`, `[::1]`, or an IPv4 address in dotted decimal whose first part
    /// is 127 (`127.0.0.1`). Plain http to it never leaves the machine, so a local stand-in may use
    /// it. Only the form every resolver reads as an address is taken: four parts, each 0 to 255
    /// without a leading zero. Anything else (`127.1`, `127.0.0.256`, `127.08.0.1`) is not read as
    /// an address by the C library, so it would be looked up as a name, and could leave the machine.
    package static func isLoopback(host: String) -> Bool {
        if host == "localhost" || host == "[::1]" { return true }
        let parts = host.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0].elementsEqual("127".utf8) && parts.allSatisfy(isDecimalOctet)
    }

    /// `0` to `255` in decimal, without a leading zero (which inet_aton would read as octal).
    private static func isDecimalOctet(_ digits: Substring.UTF8View.SubSequence) -> Bool {
        guard (1...3).contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        if digits.count > 1 && digits.first == 0x30 { return false }
        var value = 0
        for digit in digits { value = value * 10 + Int(digit - 0x30) }
        return value <= 255
    }

    /// A loopback host by name or address (a local HubSpot stand-in may listen on 127.0.0.1).
    package var isLoopback: Bool { Self.isLoopback(host: host) }

    /// `https`, or plain `http` to a loopback host.
    package var isHTTPSOrLoopback: Bool { scheme == "https" || (scheme == "http" && isLoopback) }

    /// The one rule for an absolute URL we send a browser or a request to (a success URL, a hook's
    /// redirect, a token endpoint, a webhook): printable ASCII only, no `user:password@`, https, or
    /// plain http to a loopback host (a local stand-in). Nil when the text breaks it.
    package static func webTarget(_ text: String) -> URLParts? {
        guard let parts = URLParts(text), !parts.hasUserInfo, parts.isHTTPSOrLoopback else { return nil }
        return parts
    }

    /// An endpoint (HubSpot's authorize page and token endpoint, a webhook receiver): `webTarget`
    /// without a `#fragment`, which a request never carries and which would swallow the query we
    /// append to the authorize URL.
    package static func endpoint(_ text: String) -> URLParts? {
        guard let parts = webTarget(text), !parts.hasFragment else { return nil }
        return parts
    }

    /// Where a hook may send the browser after an install (its `redirect`): `webTarget`, at most
    /// `maximumRedirectLength` bytes, and only the characters RFC 3986 allows, because browsers and
    /// URL parsers disagree about backslashes and the like; those are refused, not read. An exec
    /// hook's answer is held to it, and the flow holds any hook's redirect to it again before it
    /// becomes a `Location`.
    package static func hookRedirect(_ text: String) -> String? {
        guard text.utf8.count <= maximumRedirectLength, text.utf8.allSatisfy(isURICharacter), webTarget(text) != nil
        else { return nil }
        return text
    }

    private static func isURICharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: Array("-._~:/?#[]@!$&'()*+,;=%".utf8).contains(byte)
        }
    }

    /// HubSpot's rule for the redirect URI, narrower than `webTarget`'s: https, or plain http only
    /// for `localhost`, not for a loopback address (IP addresses are refused there anyway).
    package var hasHubSpotRedirectScheme: Bool { scheme == "https" || (scheme == "http" && isLocalhost) }

    /// `localhost`: the only host HubSpot accepts plain http for.
    package var isLocalhost: Bool { host == "localhost" }
}
