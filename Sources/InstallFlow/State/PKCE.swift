internal import InstallCrypto

/// PKCE (RFC 7636, `S256`) without storing anything: the verifier is derived from the state's
/// nonce and the browser's cookie under the signing key, so the callback can compute it again once
/// the state has verified, and only a holder of the state key can.
package enum PKCE {
    static let label = Array("hubspot-install pkce v1".utf8)

    /// base64url(HMAC-SHA256(key, label ‖ nonce ‖ cookie)): 43 characters, inside RFC 7636's
    /// 43–128 of unreserved characters. Nonce and cookie have fixed widths, so the input is
    /// unambiguous.
    package static func verifier(key: StateKey, nonce: [UInt8], binding: [UInt8]) -> String {
        var hmac = key.keyed
        hmac.update(data: label)
        hmac.update(data: nonce)
        hmac.update(data: binding)
        return Base64URL.encode(hmac.finalize())
    }

    /// base64url(SHA-256(the verifier's ASCII)), the `code_challenge` of the authorize URL.
    package static func challenge(verifier: String) -> String {
        Base64URL.encode(SHA256.hash(data: Array(verifier.utf8)).bytes)
    }
}
