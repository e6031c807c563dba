internal import InstallCrypto

/// The `install_id` of the hook JSON: base64url of SHA-256 over a label and what makes an install
/// attempt unique. The state's nonce is random and is never shown anywhere else; in the Marketplace
/// `direct` flow there is no state and the code itself is hashed (a one-way function of a
/// single-use value). Either way it is the same for a retry of the same attempt and reveals
/// nothing, so receivers can deduplicate on it.
package enum InstallID {
    static let stateLabel = Array("hubspot-install install-id state v1\u{0}".utf8)
    static let codeLabel = Array("hubspot-install install-id code v1\u{0}".utf8)

    package static func forState(nonce: [UInt8]) -> String {
        Base64URL.encode(SHA256.hash(data: stateLabel + nonce).bytes)
    }

    package static func forCode(_ code: AuthorizationCode) -> String {
        Base64URL.encode(SHA256.hash(data: codeLabel + Array(code.value.utf8)).bytes)
    }
}
