import InstallCrypto
import Testing

struct HMACTests {
    /// RFC 4231 §4.2-4.8, test cases 1-7; case 5 is compared on its first 128 bits, as the RFC says.
    @Test func rfc4231TestCases() throws {
        let cases = try Vectors.rfc4231()
        #expect(cases.count == 7)
        for vector in cases {
            let key = SymmetricKey(data: bytes(hex: vector.key))
            let mac = HMAC<SHA256>.authenticationCode(for: bytes(hex: vector.data), using: key)
            let expected = bytes(hex: vector.hmacSHA256)
            if let bits = vector.truncatedToBits {
                #expect(Array(mac.bytes.prefix(bits / 8)) == expected, "\(vector.name)")
            } else {
                #expect(mac.description == vector.hmacSHA256, "\(vector.name)")
                #expect(
                    HMAC<SHA256>.isValidAuthenticationCode(
                        expected, authenticating: bytes(hex: vector.data), using: key))
            }
        }
    }

    /// Keys shorter than, equal to and longer than the 64-byte block (longer ones are hashed
    /// first), against Python's hmac (see ReferenceTables.swift).
    @Test(arguments: [0, 1, 32, 63, 64, 65, 131, 200])
    func keyLengthsAroundTheBlockSize(keyLength: Int) throws {
        let key = SymmetricKey(data: (0..<keyLength).map { UInt8(truncatingIfNeeded: 7 * $0 + 3) })
        let message = (0..<100).map { UInt8($0) }
        let expected = try #require(ReferenceTables.hmacByKeyLength[keyLength])
        #expect(HMAC<SHA256>.authenticationCode(for: message, using: key).description == expected)
    }

    @Test func streamingAndReusingAKeyedValueMatchOneShot() {
        let key = SymmetricKey(data: Array("key".utf8))
        let message = Array("The quick brown fox jumps over the lazy dog".utf8)
        let expected = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        #expect(HMAC<SHA256>.authenticationCode(for: message, using: key).description == expected)

        let keyed = HMAC<SHA256>(key: key)
        for split in [0, 1, 20, message.count] {
            var hmac = keyed
            hmac.update(data: message[..<split])
            hmac.update(data: message[split...])
            #expect(hmac.finalize().description == expected, "split at \(split)")
        }
    }

    @Test func validationRejectsAnyOtherMac() {
        let key = SymmetricKey(data: Array("key".utf8))
        let message = Array("message".utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        #expect(HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message, using: key))
        #expect(HMAC<SHA256>.isValidAuthenticationCode(mac.bytes, authenticating: message, using: key))

        var flipped = mac.bytes
        flipped[31] ^= 1
        #expect(!HMAC<SHA256>.isValidAuthenticationCode(flipped, authenticating: message, using: key))
        #expect(!HMAC<SHA256>.isValidAuthenticationCode(mac.bytes.prefix(16), authenticating: message, using: key))
        #expect(!HMAC<SHA256>.isValidAuthenticationCode(mac.bytes + [0], authenticating: message, using: key))
        #expect(!HMAC<SHA256>.isValidAuthenticationCode([UInt8](), authenticating: message, using: key))
        #expect(!HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Array("messagE".utf8), using: key))
        #expect(
            !HMAC<SHA256>.isValidAuthenticationCode(
                mac, authenticating: message, using: SymmetricKey(data: Array("kez".utf8))))
    }

    @Test func macComparesAndPrintsAsBytes() {
        let key = SymmetricKey(data: [1, 2, 3])
        let a = HMAC<SHA256>.authenticationCode(for: [1], using: key)
        let b = HMAC<SHA256>.authenticationCode(for: [1], using: key)
        let c = HMAC<SHA256>.authenticationCode(for: [2], using: key)
        #expect(a == b)
        #expect(a != c)
        #expect(Array(a) == a.bytes)
        #expect(a.byteCount == 32)
        #expect(a.description == hex(a.bytes))
    }
}
