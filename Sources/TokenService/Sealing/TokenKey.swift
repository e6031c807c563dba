package import InstallCrypto
package import InstallFlow

/// One key of `INSTALL_TOKEN_KEYS`: a ChaCha20-Poly1305 key and the short id a sealed value names
/// it by.
///
/// The id is the first 6 bytes of SHA-256 over a label and the key, base64url (8 characters): the
/// same key always has the same id, so the values it sealed find it again after any reordering
/// of the keys, and the id says nothing usable about the key.
package struct TokenKey: Sendable {
    package static let idLength = 8

    package let id: String
    let key: SymmetricKey

    /// - Precondition: 32 bytes (`Configuration` refuses any other length).
    package init(bytes: [UInt8]) {
        precondition(bytes.count == ChaCha20Poly1305.keyByteCount, "a token key is 32 bytes")
        key = SymmetricKey(data: bytes)
        id = Base64URL.encode(
            SHA256.hash(data: Array("hubspot-install token key id\u{0}".utf8) + bytes).bytes.prefix(6))
    }

    /// The configuration's `INSTALL_TOKEN_KEYS`, first (sealing) key first.
    package static func keys(_ configuration: Configuration) -> [TokenKey] {
        configuration.tokenKeys.map { TokenKey(bytes: $0.bytes) }
    }
}
