import InstallCrypto
import Testing

struct Base64URLTests {
    /// Texts that are not the canonical unpadded base64url of anything.
    @Test(arguments: [
        // padding, in any position
        "=", "AA==", "AA=", "AAA=", "Zg==", "Zm8=", "AAAA====", "A=AA",
        // the standard alphabet's two characters
        "+w", "/w", "+/8", "FPucA9l+", "ab/c",
        // whitespace and line breaks, anywhere
        " ", "AA AA", " AAAA", "AAAA ", "AA\tAA", "AAAA\n", "AA\r\nAA", "Zm9v\nYmFy",
        // other ASCII
        "AA.A", "AA~A", "AA*A", "AA%3D", "AA,A", "\"AAAA\"",
        // NUL and non-ASCII
        "AA\u{0}A", "\u{0}", "AAAé", "ÄAAA", "AA\u{FF}A", "AAAA\u{200B}",
        // lengths no encoding has (count % 4 == 1)
        "A", "AAAAA", "AAAAAAAAA", "Zm9vY",
        // non-zero bits after the last byte: "AA" is the only text for [0x00], "AAE" for [0x00, 0x01]
        "AB", "AP", "Zh", "Zr", "AAF", "AAH", "Zm9", "Zm9vYh", "Zm9vYmF",
    ])
    func rejectsNonCanonicalText(text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    /// RFC 4648 §10 vectors (no padding), plus bytes that use `-` and `_`.
    @Test(arguments: [
        ("", ""), ("66", "Zg"), ("666f", "Zm8"), ("666f6f", "Zm9v"), ("666f6f62", "Zm9vYg"),
        ("666f6f6261", "Zm9vYmE"), ("666f6f626172", "Zm9vYmFy"),
        ("fbff", "-_8"), ("ffffff", "____"), ("fb", "-w"), ("ff", "_w"), ("14fb9c03d97e", "FPucA9l-"),
        ("00", "AA"), ("0001", "AAE"),
    ])
    func knownVectors(bytesHex: String, text: String) {
        #expect(Base64URL.encode(bytes(hex: bytesHex)) == text)
        #expect(Base64URL.decode(text) == bytes(hex: bytesHex))
        #expect(Base64URL.decode(Substring(text)) == bytes(hex: bytesHex))
    }

    @Test(arguments: 0...70)
    func randomBytesRoundTrip(length: Int) throws {
        var generator = SeededGenerator(state: UInt64(length))
        let original = generator.bytes(length)
        let text = Base64URL.encode(original)
        #expect(text.utf8.count == (length * 4 + 2) / 3)
        #expect(
            text.utf8.allSatisfy {
                $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
                    || ($0 < 0x80 && Character(Unicode.Scalar($0)).isLetter) || ($0 >= 0x30 && $0 <= 0x39)
            })
        #expect(Base64URL.decode(text) == original)
    }

    /// Exhaustively over every 2-character text, and every 3-character text starting with "Q":
    /// decoding accepts a text exactly when it is the encoding of what it decodes to.
    @Test func everyAcceptedTextIsCanonical() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var accepted2 = 0
        var accepted3 = 0
        for x in alphabet {
            for y in alphabet {
                let two = String([x, y])
                if let decoded = Base64URL.decode(two) {
                    accepted2 += 1
                    #expect(Base64URL.encode(decoded) == two)
                }
                let three = String(["Q", x, y])
                if let decoded = Base64URL.decode(three) {
                    accepted3 += 1
                    #expect(Base64URL.encode(decoded) == three)
                }
            }
        }
        #expect(accepted2 == 256)  // one text per byte value
        #expect(accepted3 == 64 * 16)  // 64 choices, then 4 of the last character's 6 bits free
    }
}
