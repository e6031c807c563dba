/// Compares two byte strings in time that depends only on their lengths, never on where they
/// differ. A length mismatch returns `false` at once: lengths may leak, contents do not.
///
/// Use this (or a digest's / MAC's `==`) for every comparison of a secret or a tag.
@inlinable
package func constantTimeEquals(_ a: some Sequence<UInt8>, _ b: some Sequence<UInt8>) -> Bool {
    withContiguousBytes(of: a) { a in withContiguousBytes(of: b) { b in constantTimeEquals(a, b) } }
}

@usableFromInline
func constantTimeEquals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    // Accumulate every difference; no branch on the data, no early exit.
    var difference: UInt8 = 0
    for i in 0..<a.count {
        difference |= a[i] ^ b[i]
    }
    return difference == 0
}

/// Runs `body` on the bytes of `sequence`, in place when it has contiguous storage, otherwise on
/// a one-off copy.
@inlinable
func withContiguousBytes<R>(of sequence: some Sequence<UInt8>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows
    -> R
{
    if let result = try sequence.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
        return result
    }
    return try Array(sequence).withUnsafeBytes(body)
}
