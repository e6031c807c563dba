/// HMAC (RFC 2104) over any `HashFunction`, shaped like swift-crypto's `HMAC`.
///
/// A key longer than the hash's block is hashed first. `HMAC` is a value with no references:
/// build one per key and copy it per message to skip the two key blocks on every MAC.
package struct HMAC<H: HashFunction>: Sendable {
    @usableFromInline var inner: H
    @usableFromInline var outer: H

    @inlinable
    package init(key: SymmetricKey) {
        var inner = H()
        var outer = H()
        key.withUnsafeBytes { key in
            withUnsafeTemporaryAllocation(byteCount: H.blockByteCount, alignment: 16) { pad in
                pad.initializeMemory(as: UInt8.self, repeating: 0)
                if key.count > H.blockByteCount {
                    H.hash(bufferPointer: key).withUnsafeBytes { pad.copyMemory(from: $0) }
                } else if key.count > 0 {
                    pad.copyMemory(from: key)
                }
                for i in 0..<pad.count { pad[i] ^= 0x36 }
                inner.update(bufferPointer: UnsafeRawBufferPointer(pad))
                for i in 0..<pad.count { pad[i] ^= 0x36 ^ 0x5c }
                outer.update(bufferPointer: UnsafeRawBufferPointer(pad))
            }
        }
        self.inner = inner
        self.outer = outer
    }

    @inlinable
    package mutating func update(data: some Sequence<UInt8>) {
        inner.update(data: data)
    }

    @inlinable
    package mutating func update(bufferPointer: UnsafeRawBufferPointer) {
        inner.update(bufferPointer: bufferPointer)
    }

    @inlinable
    package func finalize() -> HashedAuthenticationCode<H> {
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return HashedAuthenticationCode(digest: outer.finalize())
    }

    @inlinable
    package static func authenticationCode(
        for data: some Sequence<UInt8>, using key: SymmetricKey
    ) -> HashedAuthenticationCode<H> {
        var hmac = Self(key: key)
        hmac.update(data: data)
        return hmac.finalize()
    }

    /// Recomputes the MAC of `data` and compares it with `mac` in constant time. A `mac` of the
    /// wrong length is simply invalid.
    @inlinable
    package static func isValidAuthenticationCode(
        _ mac: some Sequence<UInt8>, authenticating data: some Sequence<UInt8>, using key: SymmetricKey
    ) -> Bool {
        constantTimeEquals(authenticationCode(for: data, using: key), mac)
    }

    /// Finishes this MAC and compares it with `mac` in constant time: for callers that keep a keyed
    /// value and feed the message in parts.
    @inlinable
    package func isValidAuthenticationCode(_ mac: some Sequence<UInt8>) -> Bool {
        constantTimeEquals(finalize(), mac)
    }
}
