import Foundation
import InstallCrypto
import Testing

struct ChaCha20Poly1305Tests {
    /// Every case of Wycheproof's `chacha20_poly1305_test.json` (325, RFC 8439 §2.8.2 first): a
    /// valid one seals to its ciphertext and tag and opens back; an invalid one (a modified tag, a
    /// nonce that is not 12 bytes) is refused by `open`.
    @Test func wycheproofVectors() throws {
        let file = try Vectors.wycheproofChaCha20Poly1305()
        let cases = file.testGroups.flatMap { group in group.tests.map { (group, $0) } }
        #expect(file.numberOfTests == 325)
        #expect(cases.count == 325)
        #expect(cases.first?.1.tcId == 1 && cases.first?.1.comment == "RFC 7539")
        var valid = 0
        var invalid = 0
        for (group, vector) in cases {
            let key = SymmetricKey(data: bytes(hex: vector.key))
            let nonce = bytes(hex: vector.iv)
            let aad = bytes(hex: vector.aad)
            let message = bytes(hex: vector.msg)
            let ciphertext = bytes(hex: vector.ct)
            let tag = bytes(hex: vector.tag)
            #expect(group.tagSize == 128 && group.keySize == 256)
            switch vector.result {
            case "valid":
                valid += 1
                let sealed = try ChaCha20Poly1305.seal(message, key: key, nonce: nonce, authenticating: aad)
                #expect(sealed.ciphertext == ciphertext, "tcId \(vector.tcId)")
                #expect(sealed.tag == tag, "tcId \(vector.tcId)")
                let opened = try ChaCha20Poly1305.open(
                    ciphertext, tag: tag, key: key, nonce: nonce, authenticating: aad)
                #expect(opened == message, "tcId \(vector.tcId)")
            case "invalid":
                invalid += 1
                #expect(throws: AEADError.self, "tcId \(vector.tcId) \(vector.flags)") {
                    try ChaCha20Poly1305.open(ciphertext, tag: tag, key: key, nonce: nonce, authenticating: aad)
                }
                if group.ivSize != 96 {
                    #expect(throws: AEADError.invalidNonceSize, "tcId \(vector.tcId)") {
                        try ChaCha20Poly1305.seal(message, key: key, nonce: nonce, authenticating: aad)
                    }
                }
            default:
                Issue.record("tcId \(vector.tcId): unexpected result \(vector.result)")
            }
        }
        #expect(valid == 256 && invalid == 69)
    }

    /// RFC 8439 §2.3.2: the serialized block for key 00..1f, nonce 00000009 0000004a 00000000,
    /// counter 1.
    @Test func rfc8439BlockFunction() {
        let key = (0..<32).map { UInt8($0) }
        let nonce = bytes(hex: "000000090000004a00000000")
        let block = key.withUnsafeBytes { key in
            nonce.withUnsafeBytes { nonce in ChaCha20(key: key, nonce: nonce).block(counter: 1) }
        }
        #expect(
            hex(block)
                == "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
                + "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e")
    }

    /// RFC 8439 §2.4.2: the "sunscreen" plaintext under key 00..1f, nonce 00000000 0000004a
    /// 00000000, initial counter 1 (two whole blocks and a 50-byte tail).
    @Test func rfc8439Encryption() {
        let key = (0..<32).map { UInt8($0) }
        let nonce = bytes(hex: "000000000000004a00000000")
        let sentence =
            "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, "
            + "sunscreen would be it."
        let plaintext = Array(sentence.utf8)
        let expected =
            "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
            + "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
            + "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
            + "5af90bbf74a35be6b40b8eedf2785e42874d"
        let ciphertext = key.withUnsafeBytes { key in
            nonce.withUnsafeBytes { nonce in
                plaintext.withUnsafeBytes { plaintext in
                    var output = [UInt8](repeating: 0, count: plaintext.count)
                    output.withUnsafeMutableBytes {
                        ChaCha20(key: key, nonce: nonce).xor(plaintext, into: $0, counter: 1)
                    }
                    return output
                }
            }
        }
        #expect(hex(ciphertext) == expected)
    }

    /// RFC 8439 §2.5.2: "Cryptographic Forum Research Group" (a short last block).
    @Test func rfc8439Poly1305() {
        let key = bytes(hex: "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b")
        let tag = Poly1305.authenticationCode(for: Array("Cryptographic Forum Research Group".utf8), key: key)
        #expect(hex(tag) == "a8061dc1305136c6c22b8baf0c0127a9")
    }

    /// Feeding Poly1305 in pieces of any size gives the one-shot tag (the pending-block path).
    @Test func poly1305InPiecesMatchesOneShot() {
        var generator = SeededGenerator(state: 8439)
        let key = generator.bytes(32)
        let message = generator.bytes(200)
        let expected = Poly1305.authenticationCode(for: message, key: key)
        for split in [0, 1, 15, 16, 17, 33, 199, 200] {
            var poly = key.withUnsafeBytes { Poly1305(key: $0) }
            message[..<split].withUnsafeBytes { poly.update($0) }
            message[split...].withUnsafeBytes { poly.update($0) }
            #expect(poly.finalize() == expected, "split at \(split)")
        }
    }

    @Test func wrongSizesAreRefusedByName() {
        let key = SymmetricKey(data: [UInt8](repeating: 1, count: 32))
        let nonce = [UInt8](repeating: 2, count: 12)
        #expect(throws: AEADError.invalidKeySize) {
            try ChaCha20Poly1305.seal([1], key: SymmetricKey(data: [UInt8](repeating: 1, count: 31)), nonce: nonce)
        }
        #expect(throws: AEADError.invalidKeySize) {
            try ChaCha20Poly1305.seal([1], key: SymmetricKey(data: [UInt8](repeating: 1, count: 33)), nonce: nonce)
        }
        #expect(throws: AEADError.invalidNonceSize) { try ChaCha20Poly1305.seal([1], key: key, nonce: nonce + [0]) }
        #expect(throws: AEADError.invalidNonceSize) { try ChaCha20Poly1305.seal([1], key: key, nonce: [UInt8]()) }
        let sealed = try? ChaCha20Poly1305.seal([1, 2, 3], key: key, nonce: nonce)
        let tag = sealed?.tag ?? []
        #expect(throws: AEADError.invalidTagSize) {
            try ChaCha20Poly1305.open(sealed?.ciphertext ?? [], tag: tag.dropLast(), key: key, nonce: nonce)
        }
        #expect(throws: AEADError.invalidTagSize) {
            try ChaCha20Poly1305.open(sealed?.ciphertext ?? [], tag: tag + [0], key: key, nonce: nonce)
        }
        #expect(AEADError.invalidKeySize.description.contains("32-byte key"))
    }

    /// Any change to what was sealed makes `open` refuse: each byte of the ciphertext, the tag,
    /// the associated data, the nonce, the key.
    @Test func everyChangeIsRefused() throws {
        var generator = SeededGenerator(state: 7539)
        let keyBytes = generator.bytes(32)
        let key = SymmetricKey(data: keyBytes)
        let nonce = generator.bytes(12)
        let aad = generator.bytes(20)
        let sealed = try ChaCha20Poly1305.seal(generator.bytes(70), key: key, nonce: nonce, authenticating: aad)
        func refused(_ ciphertext: [UInt8], _ tag: [UInt8], _ key: SymmetricKey, _ nonce: [UInt8], _ aad: [UInt8])
            -> Bool
        {
            do {
                _ = try ChaCha20Poly1305.open(ciphertext, tag: tag, key: key, nonce: nonce, authenticating: aad)
                return false
            } catch {
                return error == .authenticationFailure
            }
        }
        for index in sealed.ciphertext.indices {
            var changed = sealed.ciphertext
            changed[index] ^= 0x01
            #expect(refused(changed, sealed.tag, key, nonce, aad), "ciphertext byte \(index)")
        }
        for index in sealed.tag.indices {
            var changed = sealed.tag
            changed[index] ^= 0x80
            #expect(refused(sealed.ciphertext, changed, key, nonce, aad), "tag byte \(index)")
        }
        for index in aad.indices {
            var changed = aad
            changed[index] ^= 0x01
            #expect(refused(sealed.ciphertext, sealed.tag, key, nonce, changed), "aad byte \(index)")
        }
        #expect(refused(sealed.ciphertext, sealed.tag, key, nonce, aad + [0]))
        #expect(refused(Array(sealed.ciphertext.dropLast()), sealed.tag, key, nonce, aad))
        var otherNonce = nonce
        otherNonce[11] ^= 1
        #expect(refused(sealed.ciphertext, sealed.tag, key, otherNonce, aad))
        var otherKey = keyBytes
        otherKey[0] ^= 1
        #expect(refused(sealed.ciphertext, sealed.tag, SymmetricKey(data: otherKey), nonce, aad))
    }
}

extension Vectors {
    /// Wycheproof's ChaCha20-Poly1305 file (Apache-2.0, `wycheproof_LICENSE` beside it).
    struct Wycheproof: Decodable {
        struct Group: Decodable {
            let ivSize: Int
            let keySize: Int
            let tagSize: Int
            let tests: [Case]
        }
        struct Case: Decodable {
            let tcId: Int
            let comment: String
            let flags: [String]
            let key: String
            let iv: String
            let aad: String
            let msg: String
            let ct: String
            let tag: String
            let result: String
        }
        let numberOfTests: Int
        let testGroups: [Group]
    }

    static func wycheproofChaCha20Poly1305() throws -> Wycheproof {
        try JSONDecoder().decode(
            Wycheproof.self, from: Data(contents(of: "wycheproof_chacha20_poly1305_test.json").utf8))
    }
}
