/// A SHA-256 digest: 32 bytes held inline. `==` is constant time; `description` is lowercase hex.
package struct SHA256Digest: Digest, Sendable {
    package static let byteCount = 32

    /// The digest bytes in order (each word stored big-endian).
    @usableFromInline var storage: (UInt64, UInt64, UInt64, UInt64)

    init(state: SHA256.State) {
        storage = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &storage) { out in
            out.storeBytes(of: state.h0.bigEndian, toByteOffset: 0, as: UInt32.self)
            out.storeBytes(of: state.h1.bigEndian, toByteOffset: 4, as: UInt32.self)
            out.storeBytes(of: state.h2.bigEndian, toByteOffset: 8, as: UInt32.self)
            out.storeBytes(of: state.h3.bigEndian, toByteOffset: 12, as: UInt32.self)
            out.storeBytes(of: state.h4.bigEndian, toByteOffset: 16, as: UInt32.self)
            out.storeBytes(of: state.h5.bigEndian, toByteOffset: 20, as: UInt32.self)
            out.storeBytes(of: state.h6.bigEndian, toByteOffset: 24, as: UInt32.self)
            out.storeBytes(of: state.h7.bigEndian, toByteOffset: 28, as: UInt32.self)
        }
    }

    @inlinable
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: storage, body)
    }

    package static func == (lhs: SHA256Digest, rhs: SHA256Digest) -> Bool {
        lhs.withUnsafeBytes { l in rhs.withUnsafeBytes { r in constantTimeEquals(l, r) } }
    }

    package func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    package func makeIterator() -> IndexingIterator<[UInt8]> {
        bytes.makeIterator()
    }

    @inlinable
    package func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        try withUnsafeBytes { try body($0.assumingMemoryBound(to: UInt8.self)) }
    }

    package var underestimatedCount: Int { Self.byteCount }
}
