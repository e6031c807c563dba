/// A cryptographic hash function, shaped like swift-crypto's `HashFunction` so code written
/// against one reads like code written against the other.
package protocol HashFunction: Sendable {
    associatedtype Digest: InstallCrypto.Digest

    /// Bytes in a digest.
    static var byteCount: Int { get }
    /// Bytes in one input block (the HMAC pad length).
    static var blockByteCount: Int { get }

    init()
    mutating func update(bufferPointer: UnsafeRawBufferPointer)
    func finalize() -> Digest
}

extension HashFunction {
    /// Feeds `data`; contiguous collections (`[UInt8]`, `String.UTF8View`, digests, ...) are
    /// hashed in place, anything else is copied once.
    @inlinable
    package mutating func update(data: some Sequence<UInt8>) {
        withContiguousBytes(of: data) { update(bufferPointer: $0) }
    }

    @inlinable
    package static func hash(data: some Sequence<UInt8>) -> Digest {
        var hasher = Self()
        hasher.update(data: data)
        return hasher.finalize()
    }

    @inlinable
    package static func hash(bufferPointer: UnsafeRawBufferPointer) -> Digest {
        var hasher = Self()
        hasher.update(bufferPointer: bufferPointer)
        return hasher.finalize()
    }
}
