/// The output of a `HashFunction`. `==` on every conforming type is constant time.
package protocol Digest: Sendable, Hashable, CustomStringConvertible, Sequence where Element == UInt8 {
    static var byteCount: Int { get }
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Digest {
    package var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Lowercase hex.
    package var description: String { withUnsafeBytes { hexString($0) } }
}

/// Lowercase hex of `bytes`.
@usableFromInline
func hexString(_ bytes: UnsafeRawBufferPointer) -> String {
    let digits: StaticString = "0123456789abcdef"
    return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
        digits.withUTF8Buffer { digits in
            for (i, byte) in bytes.enumerated() {
                out[2 * i] = digits[Int(byte >> 4)]
                out[2 * i + 1] = digits[Int(byte & 0x0f)]
            }
        }
        return bytes.count * 2
    }
}
