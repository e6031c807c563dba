internal import InstallCrypto

/// Makes new state keys for `hubspot-install keygen`.
package enum StateKeyGenerator {
    /// 32 random bytes from the kernel, base64url without padding.
    package static func newKey() -> String {
        Base64URL.encode(SecureRandom.bytes(count: 32))
    }
}
