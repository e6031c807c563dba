internal import InstallCrypto

/// One key of `INSTALL_STATE_KEYS`: the secret and the short id a state names it by.
package struct StateKey: Sendable {
    /// Keys shorter than this are refused: a guessable key makes every state forgeable.
    package static let minimumByteCount = 32

    /// Four bytes derived from the key, so a state can say which key signed it without
    /// revealing anything about the key.
    package let id: [UInt8]
    let key: SymmetricKey
    /// The HMAC with the key already absorbed: each state then costs three compressions, not five.
    let keyed: HMAC<SHA256>

    package init(bytes: [UInt8]) {
        key = SymmetricKey(data: bytes)
        keyed = HMAC<SHA256>(key: key)
        id = Array(SHA256.hash(data: Array("hubspot-install state key id\u{0}".utf8) + bytes).bytes.prefix(4))
    }
}
