/// The ChaCha20 stream cipher of RFC 8439 §2.3-2.4: a 256-bit key, a 96-bit nonce and a 32-bit
/// block counter. Used only inside `ChaCha20Poly1305`, which never lets the counter wrap.
///
/// Everything is 32-bit additions, xors and rotations on wrapping operators: no branch and no
/// table lookup depends on the key or the data, so it runs in constant time.
package struct ChaCha20: Sendable {
    /// The key and nonce as the little-endian words of the state (RFC 8439 §2.3: words 4-11, 13-15).
    @usableFromInline let k0, k1, k2, k3, k4, k5, k6, k7: UInt32
    @usableFromInline let n0, n1, n2: UInt32

    package static let keyByteCount = 32
    package static let nonceByteCount = 12
    package static let blockByteCount = 64

    /// - Precondition: 32 key bytes and 12 nonce bytes (`ChaCha20Poly1305` checks them first).
    package init(key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer) {
        precondition(key.count == Self.keyByteCount && nonce.count == Self.nonceByteCount, "ChaCha20 key or nonce size")
        k0 = Self.word(key, 0)
        k1 = Self.word(key, 4)
        k2 = Self.word(key, 8)
        k3 = Self.word(key, 12)
        k4 = Self.word(key, 16)
        k5 = Self.word(key, 20)
        k6 = Self.word(key, 24)
        k7 = Self.word(key, 28)
        n0 = Self.word(nonce, 0)
        n1 = Self.word(nonce, 4)
        n2 = Self.word(nonce, 8)
    }

    /// The 64 keystream bytes of block `counter` (RFC 8439 §2.3.2's serialized block).
    package func block(counter: UInt32) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.blockByteCount) { buffer, initialized in
            let output = UnsafeMutableRawBufferPointer(buffer)
            output.initializeMemory(as: UInt8.self, repeating: 0)
            xor(UnsafeRawBufferPointer(output), into: output, counter: counter)
            initialized = Self.blockByteCount
        }
    }

    /// Writes `input` xor the keystream starting at block `counter` to `output` (same count; the
    /// two may be the same memory). The caller keeps `input` within 2^32 blocks of `counter`.
    package func xor(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, counter: UInt32) {
        precondition(output.count >= input.count, "ChaCha20 output too small")
        var counter = counter
        var offset = 0
        let count = input.count
        while offset < count {
            var x0: UInt32 = 0x6170_7865
            var x1: UInt32 = 0x3320_646e
            var x2: UInt32 = 0x7962_2d32
            var x3: UInt32 = 0x6b20_6574
            var x4 = k0
            var x5 = k1
            var x6 = k2
            var x7 = k3
            var x8 = k4
            var x9 = k5
            var x10 = k6
            var x11 = k7
            var x12 = counter
            var x13 = n0
            var x14 = n1
            var x15 = n2
            for _ in 0..<10 {
                Self.quarterRound(&x0, &x4, &x8, &x12)
                Self.quarterRound(&x1, &x5, &x9, &x13)
                Self.quarterRound(&x2, &x6, &x10, &x14)
                Self.quarterRound(&x3, &x7, &x11, &x15)
                Self.quarterRound(&x0, &x5, &x10, &x15)
                Self.quarterRound(&x1, &x6, &x11, &x12)
                Self.quarterRound(&x2, &x7, &x8, &x13)
                Self.quarterRound(&x3, &x4, &x9, &x14)
            }
            x0 &+= 0x6170_7865
            x1 &+= 0x3320_646e
            x2 &+= 0x7962_2d32
            x3 &+= 0x6b20_6574
            x4 &+= k0
            x5 &+= k1
            x6 &+= k2
            x7 &+= k3
            x8 &+= k4
            x9 &+= k5
            x10 &+= k6
            x11 &+= k7
            x12 &+= counter
            x13 &+= n0
            x14 &+= n1
            x15 &+= n2
            let stream = (x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15)
            if count - offset >= Self.blockByteCount {
                // A whole block: a word at a time.
                withUnsafeBytes(of: stream) { words in
                    for i in stride(from: 0, to: Self.blockByteCount, by: 4) {
                        let key = words.load(fromByteOffset: i, as: UInt32.self)
                        let data = UInt32(
                            littleEndian: input.loadUnaligned(fromByteOffset: offset &+ i, as: UInt32.self))
                        output.storeBytes(of: (key ^ data).littleEndian, toByteOffset: offset &+ i, as: UInt32.self)
                    }
                }
                offset &+= Self.blockByteCount
            } else {
                // The tail: the block's bytes in order, as many as are left.
                var bytes = stream
                withUnsafeMutableBytes(of: &bytes) { words in
                    for i in stride(from: 0, to: Self.blockByteCount, by: 4) {
                        words.storeBytes(
                            of: words.load(fromByteOffset: i, as: UInt32.self).littleEndian, toByteOffset: i,
                            as: UInt32.self)
                    }
                    for i in 0..<(count &- offset) {
                        output[offset &+ i] = input[offset &+ i] ^ words[i]
                    }
                }
                offset = count
            }
            counter &+= 1
        }
    }

    @inline(__always)
    static func quarterRound(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32) {
        a &+= b
        d ^= a
        d = d << 16 | d >> 16
        c &+= d
        b ^= c
        b = b << 12 | b >> 20
        a &+= b
        d ^= a
        d = d << 8 | d >> 24
        c &+= d
        b ^= c
        b = b << 7 | b >> 25
    }

    @inline(__always)
    static func word(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
