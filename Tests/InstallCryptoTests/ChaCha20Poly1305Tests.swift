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

    /// The limb arithmetic's edges, which random keys and messages almost never reach: with r = 1
    /// two blocks put the accumulator exactly at 2^130 - 5 and its neighbours (the final reduction's
    /// choice between h and h - p, and the carry that can leave a limb at 2^26), with s = 0 and
    /// s = 2^128 - 1 (the carry out of the last addition); the largest clamped r over all-ones
    /// and all-zeros messages of many lengths (the biggest products and carries); and a mix. Tags
    /// from OpenSSL's Poly1305 through Python's cryptography, checked there against a big-integer
    /// evaluation of RFC 8439 §2.5.1.
    @Test func poly1305ReductionAndCarryEdges() {
        for (key, message, tag) in Self.poly1305Edges {
            #expect(
                hex(Poly1305.authenticationCode(for: message, key: bytes(hex: key))) == tag,
                "key \(key) message \(hex(message))")
        }
    }

    static let poly1305Edges: [(String, [UInt8], String)] = [
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "fffffffffffffffffffffffffffffffffaffffffffffffffffffffffffffffff"),
            "f9ffffffffffffffffffffffffffffff"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "fffffffffffffffffffffffffffffffffbffffffffffffffffffffffffffffff"),
            "faffffffffffffffffffffffffffffff"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "fffffffffffffffffffffffffffffffffcffffffffffffffffffffffffffffff"),
            "00000000000000000000000000000000"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "fffffffffffffffffffffffffffffffffdffffffffffffffffffffffffffffff"),
            "01000000000000000000000000000000"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "fffffffffffffffffffffffffffffffffeffffffffffffffffffffffffffffff"),
            "02000000000000000000000000000000"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
            "03000000000000000000000000000000"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "ffffffffffffffffffffffffffffffff01000000000000000000000000000000"),
            "00000000000000000000000000000000"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
            "feffffffffffffffffffffffffffff01"
        ),
        (
            "01000000000000000000000000000000ffffffffffffffffffffffffffffffff",
            bytes(hex: "fffffffffffffffffffffffffffffffffaffffffffffffffffffffffffffffff"),
            "f8ffffffffffffffffffffffffffffff"
        ),
        (
            "01000000000000000000000000000000ffffffffffffffffffffffffffffffff",
            bytes(hex: "fffffffffffffffffffffffffffffffffbffffffffffffffffffffffffffffff"),
            "f9ffffffffffffffffffffffffffffff"
        ),
        (
            "01000000000000000000000000000000ffffffffffffffffffffffffffffffff",
            bytes(hex: "fffffffffffffffffffffffffffffffffcffffffffffffffffffffffffffffff"),
            "ffffffffffffffffffffffffffffffff"
        ),
        (
            "01000000000000000000000000000000ffffffffffffffffffffffffffffffff",
            bytes(hex: "fffffffffffffffffffffffffffffffffdffffffffffffffffffffffffffffff"),
            "00000000000000000000000000000000"
        ),
        (
            "01000000000000000000000000000000ffffffffffffffffffffffffffffffff",
            bytes(hex: "fffffffffffffffffffffffffffffffffeffffffffffffffffffffffffffffff"),
            "01000000000000000000000000000000"
        ),
        (
            "01000000000000000000000000000000ffffffffffffffffffffffffffffffff",
            bytes(hex: "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
            "02000000000000000000000000000000"
        ),
        (
            "01000000000000000000000000000000ffffffffffffffffffffffffffffffff",
            bytes(hex: "ffffffffffffffffffffffffffffffff01000000000000000000000000000000"),
            "ffffffffffffffffffffffffffffffff"
        ),
        (
            "01000000000000000000000000000000ffffffffffffffffffffffffffffffff",
            bytes(hex: "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
            "fdffffffffffffffffffffffffffff01"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0xff, count: 16),
            "fcffff17faffff17faffff17faffff17"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0x00, count: 16),
            "fbffff13fbffff13fbffff13fbffff13"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0xff, count: 17),
            "7dfe7ff768f81f2763f8bf565df85f86"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0x00, count: 17),
            "5aff3f8649fcefad44fc9fd53ffc4ffd"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0xff, count: 31),
            "5500a8ed4800481d4300e84c3d008884"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0x00, count: 31),
            "46005481390004a93400b4d02f0064fc"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0xff, count: 32),
            "5500801f3f00204f3900c07e330060ae"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0x00, count: 32),
            "4600409a3400f0c12f00a0e92a005011"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0xff, count: 64),
            "910fe32bc15fa8d7bca8efe4c7e37eb1"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0x00, count: 64),
            "4ae2e7f920a5615e9d0c1d9426133fe9"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0xff, count: 255),
            "c90cb43844f387946e5aa6085bdf67da"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0x00, count: 255),
            "a50ade3f60f5638c03f627ed1d3a4919"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0xff, count: 256),
            "c40c8c6a3af35fc6645a7e3a51df3f04"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0x00, count: 256),
            "a50aca585bf54fa5fef51306193a352e"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0xff, count: 1024),
            "26d4926a53bb480da228ec61e0a31a38"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            [UInt8](repeating: 0x00, count: 1024),
            "1e06252e70f1110b87cc44fc3a331684"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0xff, count: 16),
            "fbffff17faffff17faffff17faffff17"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0x00, count: 16),
            "faffff13fbffff13fbffff13fbffff13"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0xff, count: 17),
            "7cfe7ff768f81f2763f8bf565df85f86"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0x00, count: 17),
            "59ff3f8649fcefad44fc9fd53ffc4ffd"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0xff, count: 31),
            "5400a8ed4800481d4300e84c3d008884"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0x00, count: 31),
            "45005481390004a93400b4d02f0064fc"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0xff, count: 32),
            "5400801f3f00204f3900c07e330060ae"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0x00, count: 32),
            "4500409a3400f0c12f00a0e92a005011"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0xff, count: 64),
            "900fe32bc15fa8d7bca8efe4c7e37eb1"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0x00, count: 64),
            "49e2e7f920a5615e9d0c1d9426133fe9"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0xff, count: 255),
            "c80cb43844f387946e5aa6085bdf67da"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0x00, count: 255),
            "a40ade3f60f5638c03f627ed1d3a4919"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0xff, count: 256),
            "c30c8c6a3af35fc6645a7e3a51df3f04"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0x00, count: 256),
            "a40aca585bf54fa5fef51306193a352e"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0xff, count: 1024),
            "25d4926a53bb480da228ec61e0a31a38"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            [UInt8](repeating: 0x00, count: 1024),
            "1d06252e70f1110b87cc44fc3a331684"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0xff, count: 16),
            "fc00021bfe04061f02090a23060d0e27"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0x00, count: 16),
            "fb000217ff04061b03090a1f070d0e23"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0xff, count: 17),
            "7dff81fa6cfd252e6b01ca6169056e95"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0x00, count: 17),
            "5a0042894d01f6b44c05aae04b095e0c"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0xff, count: 31),
            "5501aaf04c054e244b09f257490d9693"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0x00, count: 31),
            "460156843d050ab03c09bedb3b0d720b"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0xff, count: 32),
            "55018222430526564109ca893f0d6ebd"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0x00, count: 32),
            "4601429d3805f6c83709aaf4360d5e20"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0xff, count: 64),
            "9110e52ec564aedec4b1f9efd3f08cc0"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0x00, count: 64),
            "4ae3e9fc24aa6765a515279f32204df8"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0xff, count: 255),
            "c90db63b48f88d9b7663b01367ec75e9"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0x00, count: 255),
            "a50be04264fa69930bff31f829475728"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0xff, count: 256),
            "c40d8e6d3ef865cd6c6388455dec4d13"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0x00, count: 256),
            "a50bcc5b5ffa55ac06ff1d112547433d"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0xff, count: 1024),
            "26d5946d57c04e14aa31f66cecb02847"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f000102030405060708090a0b0c0d0e0f",
            [UInt8](repeating: 0x00, count: 1024),
            "1e07273174f617128fd54e0747402493"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "00ff1d00ff000000001f0000ff003c9d00ff31201effffeeff"),
            "46d9be649ab1a634ebfdeb4daa66aa17"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "0099ffff000000ff1427ff"),
            "918a18b333c119ab845d1a62a9eb145c"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            bytes(hex: "00fff2009effc500ff56ff0000ffff00ff00dc8eff0000007600f8ff00ffbd00ffffffff00"),
            "bd98f173bcdefe6a10519e9f196aaedf"
        ),
        (
            "01000000000000000000000000000000ffffffffffffffffffffffffffffffff",
            bytes(hex: "00ff00004dff006a00ffff00ff"),
            "fffe00004dff006a00ffff00ff010000"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            bytes(hex: "0034afff5200000d982e850000a87200cd00ff"),
            "046dbf1c288c65fd3ec7147d34511a97"
        ),
        (
            "01000000000000000000000000000000ffffffffffffffffffffffffffffffff",
            bytes(hex: "ff63ffff00000000f7ffb02bffffff00ff"),
            "fd65ffff00000000f7ffb02bffffff00"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "00004dee4af200000734ff00ffff7bff001fffd7424dff5d0000f23dff0000ff00e700ff66fff47e84ffffffff25"),
            "ad1e3e2cc66a5af8ac594a7010c922a0"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "6c004f00"),
            "6c004f00010000000000000000000000"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "70ff0000dcff00ff2f00adffffa9970000ff00ffffff4cfd0000ffff08"),
            "1313ce3c57e97cb0f985b7e0fb601374"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "000000adff"),
            "000000adff0100000000000000000000"
        ),
        (
            "01000000000000000000000000000000ffffffffffffffffffffffffffffffff",
            bytes(hex: "00ff00ff9cffe4ff000000610000ddfdc99d0000ff000024ff002bc3907c0000ff"),
            "c79e01ff9b00e52300012b24917cddfd"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "ff00ffff00ffff8e000000ffffff9b00"),
            "f61f195af71c1c92fa1fe0def81f54e4"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "009100db470800004400ff1909ff00002f21ffff"),
            "2fb2ffda490800004400ff1909ff0000"
        ),
        (
            "01000000000000000000000000000000ffffffffffffffffffffffffffffffff",
            bytes(hex: "ff00f50000ff829b0000ff326fff"),
            "fe00f50000ff829b0000ff326fff0100"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            bytes(hex: "00ffffff00ff000000ff430000ff0000fbff9affff0000ff006406ff00"),
            "02550c94b0d259ef4724cc54713ec2a7"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            bytes(hex: "ffffff009200ff00ff0ecc6800ff46ff1900fffffffffff70055006afeffff000000afffff"),
            "8a647e48fe170008698a44279b6aec2e"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "ff"),
            "23feffef23f8ffef23f8ffef23f8ffef"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "ffff8e000000ffff0000d9f200ffff00004d370000001300"),
            "7082adcdda9a39a87cbca391fee19ac4"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            bytes(hex: "00ffff0000ffffff7800d20000ff0000ffff11adff00ff000000ffff00fd00ff1cff000cff1a00ffa000ff00"),
            "7d2c235ef8722ba738e80ae852181c3c"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "ffff000000ff3fffff001900be00ff00000000"),
            "17ab4003ad43156f731c9fe1e1b3ebaa"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "0020ff"),
            "7ace28feff7123f8ff7123f8ff7123f8"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            bytes(hex: "ffff000000f3ffff0000049b4dffffb928ff0000ff0000ff00ffff0000ff78ffffff8200000000"),
            "42dd1bea7c453212f63f3135c2b440c7"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "ff007633000000ffff000000beff850000ff0000"),
            "35ce4d27ec6db7b60c6f4036f2431105"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "00ff000000fd0000ca4f2effff91ffffff00baff00ffff00cfff00004800bd00ff5200ff0000"),
            "191e34654bf28923ef54d945a2247136"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "1b005271cfff5d00ccff0000001300c7e99cffff"),
            "049d5171d1ff5d00ccff0000001300c7"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            bytes(hex: "0000ffff00ff00ffffff0000a000c1002100ff0000b300a5ffff0086"),
            "ee9faa34b8e450041a1e828d51581357"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "00ff528effff3a18ffffc9ffffff00005affffa00000ff"),
            "5afe522f00003a1affffc9ffffff0000"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            bytes(hex: "00ff740000ff36b6ff9a00bb00007cff004aff001cb3e3000000ff0000000000"),
            "50db4d85ce22b4c04daf1d05f8ce89ae"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "009918f4ffdf0000000000ab86ffdfff0000000000ffffff00df7700c8270000"),
            "a0ccc4589ddfd0dc9b4a66a2ab465b69"
        ),
        (
            "01000000000000000000000000000000ffffffffffffffffffffffffffffffff",
            bytes(hex: "ff4800001522000021000000002cff0032ffffffffff18fffffffffff0186e2e0000ff00ffffff"),
            "3048ff001422190121000000f1446d2f"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0f00000000000000000000000000000000",
            bytes(hex: "ff6dff00ff35ffffcaffffffffffff40ffa7ff00ff8300ff79ff9a4f00a700ffff000000"),
            "275c784c41a69d34fa5449ccaf006c76"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "ff0037ffff00ffdf71ff008300ff00755cffff85ffffffff00d15d00ff0080006600e968f308bdff00ff3eb6ffff"),
            "c10020eef209bcdf73cf9d39ffff8275"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: ""),
            "ffffffffffffffffffffffffffffffff"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "b400ffcdff000023ff00b4ff96ff0088c0ffff01ff7dffffdb2b"),
            "7400ffcffe7eff22db2cb5ff96ff0088"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "002b00b0070024ff3300ff00ff552e00fd6d28"),
            "7fcee63c73a2f5e4ad6b2a1e7802ac3d"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "ff00fffcff00000000fffeffffd600b8001700ff006dd4ff30fff2ffffffffffffaa8b"),
            "66645583f0de551aa8581d0dfea26422"
        ),
        (
            "ffffff0ffcffff0ffcffff0ffcffff0fffffffffffffffffffffffffffffffff",
            bytes(hex: "0000a20000cccfff0000ff1ec04b0014ea000000ffffffffffffff00d7ff00c6ffd300004dff000000"),
            "752470998694b66f36c34dad82c9794f"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "8d"),
            "8d010000000000000000000000000000"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "00bb4affff000000ffffffffbcff00ff53ffff8bff00aa009e00ffc0ff91ffff00ff48ffff2bff66ff1dffffffeb"),
            "53b9938aff2da9679c1efec0bc7d02ff"
        ),
        (
            "0100000000000000000000000000000000000000000000000000000000000000",
            bytes(hex: "ff84ff00"),
            "ff84ff00010000000000000000000000"
        ),
    ]

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
