/// Builds HubSpot's authorize URL (HUBSPOT.md §1): `client_id`, `redirect_uri`, `scope` (spaces as
/// `%20`, `oauth` always there), `optional_scope` only when there are any, then `state`.
/// Everything but the state is fixed by the configuration, so it is built once.
package struct AuthorizeURL: Sendable {
    private let prefix: String

    package init(configuration: Configuration) {
        var url = configuration.authorizeURL
        url += url.contains("?") ? "&" : "?"
        url += "client_id=" + Self.encode(configuration.clientID)
        url += "&redirect_uri=" + Self.encode(configuration.redirectURI)
        url += "&scope=" + Self.encode(configuration.scopes.joined(separator: " "))
        if !configuration.optionalScopes.isEmpty {
            url += "&optional_scope=" + Self.encode(configuration.optionalScopes.joined(separator: " "))
        }
        prefix = url + "&state="
    }

    /// A state is base64url, whose every character is unreserved: it goes in as it is.
    package func url(state: String) -> String { prefix + state }

    /// Percent-encodes all but RFC 3986's unreserved characters.
    package static func encode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
