internal import InstallCrypto

/// Mints and verifies the signed `state` of one round trip (docs/design.md).
///
/// Layout, fixed width, 77 bytes, base64url without padding (103 characters):
/// `version (1) | key id (4) | issued-at, big-endian Unix seconds (8) | nonce (32) | tag (32)`.
/// The tag is HMAC-SHA256 over a domain-separation label, every field before it, and the 32 bytes
/// of the browser-binding cookie, so a state only verifies in the browser it was minted for.
package struct StateSigner: Sendable {
    static let version: UInt8 = 1
    static let label = Array("hubspot-install state v1\u{0}".utf8)
    static let nonceByteCount = 32
    static let tagByteCount = 32
    static let bindingByteCount = 32
    static let payloadByteCount = 1 + 4 + 8 + nonceByteCount
    package static let byteCount = payloadByteCount + tagByteCount
    package static let encodedLength = (byteCount * 8 + 5) / 6
    /// How far ahead of our clock a state may claim to be (another process's clock may run ahead).
    static let futureAllowance: Int64 = 60

    /// The first key signs; every key verifies (rotation).
    let keys: [StateKey]
    let ttl: Int64

    package init(keys: [StateKey], ttl: Int64) {
        precondition(!keys.isEmpty, "configuration guarantees at least one state key")
        self.keys = keys
        self.ttl = ttl
    }

    package func mint(binding: [UInt8], nonce: [UInt8], issuedAt: Int64) -> String {
        precondition(binding.count == Self.bindingByteCount && nonce.count == Self.nonceByteCount)
        let key = keys[0]
        var token = [UInt8]()
        token.reserveCapacity(Self.byteCount)
        token.append(Self.version)
        token.append(contentsOf: key.id)
        withUnsafeBytes(of: UInt64(bitPattern: issuedAt).bigEndian) { token.append(contentsOf: $0) }
        token.append(contentsOf: nonce)
        let tag = token.withUnsafeBytes { tagged($0, binding: binding, key: key).finalize() }
        tag.withUnsafeBytes { token.append(contentsOf: $0) }
        return Base64URL.encode(token)
    }

    /// Checks, in this order and before anything else of the callback is looked at: length and
    /// canonical encoding, version, key id, the binding cookie, the tag (constant time), age, and
    /// a clock not too far in the future.
    package func verify(_ text: String, binding: [UInt8]?, now: Int64) -> Result<VerifiedState, StateRejection> {
        guard text.utf8.count == Self.encodedLength, let token = Base64URL.decode(text),
            token.count == Self.byteCount
        else { return .failure(.malformed) }
        guard token[0] == Self.version else { return .failure(.unknownVersion) }
        guard let key = keys.first(where: { $0.id.elementsEqual(token[1..<5]) }) else { return .failure(.unknownKey) }
        guard let binding, binding.count == Self.bindingByteCount else { return .failure(.bindingMissing) }
        let valid = token.withUnsafeBytes { raw in
            tagged(UnsafeRawBufferPointer(rebasing: raw[..<Self.payloadByteCount]), binding: binding, key: key)
                .isValidAuthenticationCode(UnsafeRawBufferPointer(rebasing: raw[Self.payloadByteCount...]))
        }
        guard valid else { return .failure(.badTag) }
        let claims = Self.claims(of: token)
        if claims.issuedAt > now + Self.futureAllowance { return .failure(.fromTheFuture) }
        if isExpired(issuedAt: claims.issuedAt, now: now) { return .failure(.expired) }
        return .success(VerifiedState(verified: claims))
    }

    /// Whether a state issued at `issuedAt` is older than the TTL. The issued-at may come from a
    /// state nobody verified (any 8 bytes), so it is only compared, never subtracted: `now` and the
    /// TTL are ours and small, `now - ttl` cannot overflow, `now - issuedAt` could.
    package func isExpired(issuedAt: Int64, now: Int64) -> Bool {
        issuedAt < now - ttl
    }

    /// What a well-formed state of ours claims, unverified: for choosing the words of a refusal
    /// when the browser brought no cookie to verify it with. Never a reason to let a callback in.
    package func unverifiedClaims(_ text: String) -> StateClaims? {
        guard text.utf8.count == Self.encodedLength, let token = Base64URL.decode(text), token.count == Self.byteCount,
            token[0] == Self.version, keys.contains(where: { $0.id.elementsEqual(token[1..<5]) })
        else { return nil }
        return Self.claims(of: token)
    }

    /// Issued-at and nonce of a decoded token of the right length.
    private static func claims(of token: [UInt8]) -> StateClaims {
        var issuedAt: UInt64 = 0
        for byte in token[5..<13] { issuedAt = issuedAt << 8 | UInt64(byte) }
        return StateClaims(
            issuedAt: Int64(bitPattern: issuedAt), nonce: Array(token[13..<payloadByteCount]), keyID: Array(token[1..<5]))
    }

    /// The keyed HMAC fed with everything the tag covers: label, payload, binding. Every part has a
    /// fixed width, so the input is unambiguous.
    private func tagged(_ payload: UnsafeRawBufferPointer, binding: [UInt8], key: StateKey) -> HMAC<SHA256> {
        var hmac = key.keyed
        Self.label.withUnsafeBytes { hmac.update(bufferPointer: $0) }
        hmac.update(bufferPointer: payload)
        binding.withUnsafeBytes { hmac.update(bufferPointer: $0) }
        return hmac
    }
}
