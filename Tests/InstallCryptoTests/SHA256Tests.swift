import InstallCrypto
import Testing

struct SHA256Tests {
    /// NIST CAVS 11.0, SHA256ShortMsg.rsp: every byte-oriented message of 0 to 64 bytes.
    @Test func nistShortMessages() throws {
        let cases = try Vectors.messageCases("SHA256ShortMsg.rsp")
        #expect(cases.count == 65)
        for vector in cases {
            #expect(SHA256.hash(data: vector.message).description == vector.digest, "Len = \(vector.bitLength)")
        }
    }

    /// NIST CAVS 11.0, SHA256LongMsg.rsp.
    @Test func nistLongMessages() throws {
        let cases = try Vectors.messageCases("SHA256LongMsg.rsp")
        #expect(cases.count == 64)
        for vector in cases {
            #expect(SHA256.hash(data: vector.message).description == vector.digest, "Len = \(vector.bitLength)")
        }
    }

    /// NIST CAVS 11.1, SHA256Monte.rsp: 100 checkpoints of 1,000 chained hashes each
    /// (M_i = MD_{i-3} || MD_{i-2} || MD_{i-1}, as the SHAVS document specifies).
    @Test func nistMonteCarlo() throws {
        let (initialSeed, checkpoints) = try Vectors.monteCarlo()
        #expect(initialSeed.count == 32)
        #expect(checkpoints.count == 100)
        var seed = initialSeed
        for (j, expected) in checkpoints.enumerated() {
            var md = [seed, seed, seed]
            for _ in 3..<1003 {
                let next = SHA256.hash(data: md[0] + md[1] + md[2]).bytes
                md = [md[1], md[2], next]
            }
            seed = md[2]
            #expect(hex(seed) == expected, "COUNT = \(j)")
        }
    }

    /// FIPS 180-2 appendix B.3: one million 'a'.
    @Test func oneMillionA() {
        let digest = SHA256.hash(data: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        #expect(digest.description == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Every padding case (lengths around 55/56/64 and their multiples) against hashlib's table.
    @Test func everyLengthOfAUpTo130() {
        #expect(ReferenceTables.repeatedA.count == 131)
        for (length, expected) in ReferenceTables.repeatedA.enumerated() {
            let message = [UInt8](repeating: UInt8(ascii: "a"), count: length)
            #expect(SHA256.hash(data: message).description == expected, "length \(length)")
            // The same through byte-at-a-time updates, which always goes through the pending block.
            var hasher = SHA256()
            for byte in message { hasher.update(data: CollectionOfOne(byte)) }
            #expect(hasher.finalize().description == expected, "length \(length), byte by byte")
        }
    }

    @Test func splittingTheInputAnywhereGivesTheSameDigest() {
        var generator = SeededGenerator(state: 200)
        let message = generator.bytes(200)
        let oneShot = SHA256.hash(data: message)
        for split in 0...message.count {
            var hasher = SHA256()
            hasher.update(data: message[..<split])
            hasher.update(data: message[split...])
            #expect(hasher.finalize() == oneShot, "split at \(split)")
        }
    }

    @Test func updateThroughBufferPointerAndNonContiguousSequences() {
        let message = Array("The quick brown fox jumps over the lazy dog".utf8)
        let expected = "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
        var viaPointer = SHA256()
        message.withUnsafeBytes { viaPointer.update(bufferPointer: $0) }
        #expect(viaPointer.finalize().description == expected)
        // A lazy map has no contiguous storage: the fallback path.
        #expect(SHA256.hash(data: message.lazy.map { $0 }).description == expected)
        #expect(SHA256.hash(data: "The quick brown fox jumps over the lazy dog".utf8).description == expected)
    }

    @Test func finalizeLeavesTheHasherUsable() {
        var hasher = SHA256()
        hasher.update(data: Array("abc".utf8))
        let first = hasher.finalize()
        #expect(hasher.finalize() == first)
        hasher.update(data: Array("def".utf8))
        #expect(hasher.finalize() == SHA256.hash(data: Array("abcdef".utf8)))
    }

    @Test func digestBehavesLikeBytes() {
        let digest = SHA256.hash(data: Array("abc".utf8))
        #expect(digest.description == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Array(digest) == digest.bytes)
        #expect(digest.bytes.count == SHA256.byteCount)
        #expect(digest.withUnsafeBytes { Array($0) } == digest.bytes)
        #expect(constantTimeEquals(digest, bytes(hex: digest.description)))
        let other = SHA256.hash(data: Array("abd".utf8))
        #expect(digest != other)
        #expect(Set([digest, digest, other]).count == 2)
    }
}
