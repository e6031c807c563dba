/// A MAC produced by `HMAC<H>`. `==` is constant time; `description` is lowercase hex.
///
/// To check a MAC that came from outside, prefer `HMAC.isValidAuthenticationCode`, which does
/// the comparison for you.
package struct HashedAuthenticationCode<H: HashFunction>: Sendable, Hashable, CustomStringConvertible, Sequence {
    @usableFromInline let digest: H.Digest

    @inlinable
    init(digest: H.Digest) {
        self.digest = digest
    }

    package static var byteCount: Int { H.Digest.byteCount }
    package var byteCount: Int { H.Digest.byteCount }

    package var bytes: [UInt8] { digest.bytes }

    package var description: String { digest.description }

    @inlinable
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try digest.withUnsafeBytes(body)
    }

    @inlinable
    package static func == (lhs: Self, rhs: Self) -> Bool {
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

    package var underestimatedCount: Int { byteCount }
}
