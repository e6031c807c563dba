internal import InstallCrypto

/// The cookie that binds a state to the browser it was minted for (docs/design.md).
package struct BindingCookie: Sendable {
    package static let byteCount = 32

    /// `__Host-hubspot-install` (Secure, host-only) for https; the plain name for http://localhost,
    /// where browsers refuse `__Host-` cookies.
    package let name: String
    private let attributes: String

    /// `crossSite`: the Marketplace sign-in flow, where HubSpot's way back to us may not be a
    /// top-level navigation, so the cookie is `SameSite=None` (which browsers accept only with
    /// `Secure`: on http://localhost it stays Lax).
    package init(isHTTPS: Bool, ttl: Int64, crossSite: Bool = false) {
        name = isHTTPS ? "__Host-hubspot-install" : "hubspot-install"
        // Lax, not Strict: the way back from HubSpot is a cross-site top-level navigation.
        let sameSite = crossSite && isHTTPS ? "None" : "Lax"
        let common = "; Path=/; HttpOnly; SameSite=" + sameSite + (isHTTPS ? "; Secure" : "")
        attributes = "; Max-Age=\(ttl)" + common
    }

    package func setCookie(_ value: [UInt8]) -> String {
        .concatenating(name, "=", Base64URL.encode(value), attributes)
    }

    package enum Found: Sendable, Equatable {
        case none
        /// Present, well-formed: 32 bytes in canonical base64url.
        case value([UInt8])
        /// Present but not something we minted.
        case malformed
        /// More than one cookie of our name: someone tossed one in; trust neither.
        case duplicated
    }

    /// Finds our cookie in a `Cookie` header.
    package func find(in header: String?) -> Found {
        let values = CookieHeader.values(named: name, in: header)
        guard let value = values.first else { return .none }
        guard values.count == 1 else { return .duplicated }
        guard let bytes = Base64URL.decode(value), bytes.count == Self.byteCount else { return .malformed }
        return .value(bytes)
    }
}
