/// Base64 with the URL and filename safe alphabet (RFC 4648 §5), without padding.
///
/// Decoding is strict so that every byte string has exactly one accepted text: it rejects `=`,
/// `+`, `/`, whitespace and any other byte outside `A-Z a-z 0-9 - _`, a length that no encoding
/// has (`count % 4 == 1`), and non-zero bits after the last whole byte (`"AB"` for the canonical
/// `"AA"`). A token compared or signed as text therefore can't be varied without changing it.
package enum Base64URL {
    package static func encode(_ bytes: some Sequence<UInt8>) -> String {
        withContiguousBytes(of: bytes) { encode(buffer: $0) }
    }

    /// `nil` for any text that is not the canonical unpadded encoding of some bytes.
    package static func decode(_ text: String) -> [UInt8]? {
        // A String's own bytes, without the generic StringProtocol path (states are decoded on
        // every callback).
        var text = text
        return text.withUTF8 { decode(buffer: $0) }
    }

    /// `nil` for any text that is not the canonical unpadded encoding of some bytes.
    package static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = text.utf8
        if let decoded = utf8.withContiguousStorageIfAvailable({ decode(buffer: $0) }) {
            return decoded
        }
        return Array(utf8).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    private static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    private static func encode(buffer input: UnsafeRawBufferPointer) -> String {
        let outputCount = (input.count * 4 + 2) / 3
        return String(unsafeUninitializedCapacity: outputCount) { output in
            alphabet.withUTF8Buffer { alphabet in
                var o = 0
                var i = 0
                while i + 3 <= input.count {
                    let group = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                    output[o] = alphabet[Int(group >> 18)]
                    output[o + 1] = alphabet[Int(group >> 12 & 0x3f)]
                    output[o + 2] = alphabet[Int(group >> 6 & 0x3f)]
                    output[o + 3] = alphabet[Int(group & 0x3f)]
                    i += 3
                    o += 4
                }
                switch input.count - i {
                case 1:
                    let group = UInt32(input[i]) << 16
                    output[o] = alphabet[Int(group >> 18)]
                    output[o + 1] = alphabet[Int(group >> 12 & 0x3f)]
                case 2:
                    let group = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
                    output[o] = alphabet[Int(group >> 18)]
                    output[o + 1] = alphabet[Int(group >> 12 & 0x3f)]
                    output[o + 2] = alphabet[Int(group >> 6 & 0x3f)]
                default:
                    break
                }
            }
            return outputCount
        }
    }

    private static func decode(buffer input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let tail = input.count % 4
        guard tail != 1 else { return nil }
        let outputCount = input.count / 4 * 3 + (tail == 0 ? 0 : tail - 1)
        var valid = true
        let output = [UInt8](unsafeUninitializedCapacity: outputCount) { output, initialized in
            var group: UInt32 = 0
            var o = 0
            for (index, character) in input.enumerated() {
                guard let value = sextet(character) else {
                    valid = false
                    break
                }
                group = group << 6 | UInt32(value)
                if index % 4 == 3 {
                    output[o] = UInt8(truncatingIfNeeded: group >> 16)
                    output[o + 1] = UInt8(truncatingIfNeeded: group >> 8)
                    output[o + 2] = UInt8(truncatingIfNeeded: group)
                    o += 3
                    group = 0
                }
            }
            if valid {
                switch tail {
                case 2:  // 12 bits carry 1 byte; the low 4 must be zero.
                    valid = group & 0xf == 0
                    output[o] = UInt8(truncatingIfNeeded: group >> 4)
                case 3:  // 18 bits carry 2 bytes; the low 2 must be zero.
                    valid = group & 0x3 == 0
                    output[o] = UInt8(truncatingIfNeeded: group >> 10)
                    output[o + 1] = UInt8(truncatingIfNeeded: group >> 2)
                default:
                    break
                }
            }
            // UInt8 is trivial, so claiming the full count is fine even when `valid` is false:
            // the array is thrown away below.
            initialized = outputCount
        }
        return valid ? output : nil
    }

    /// The 6-bit value of one character of the url alphabet, or `nil`.
    private static func sextet(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
