/// The Poly1305 one-time authenticator of RFC 8439 §2.5: a 32-byte one-time key, a 16-byte tag.
///
/// The accumulator is kept in five 26-bit limbs multiplied in 64 bits, so no product can
/// overflow, and the final reduction picks between `h` and `h - p` with a mask, never a branch:
/// the time depends only on the message length. A key must authenticate one message only;
/// `ChaCha20Poly1305` derives a fresh one per nonce.
package struct Poly1305: Sendable {
    package static let keyByteCount = 32
    package static let tagByteCount = 16
    static let blockByteCount = 16

    private let r0, r1, r2, r3, r4: UInt32
    private let s1, s2, s3, s4: UInt32
    private let pad0, pad1, pad2, pad3: UInt32
    private var h0: UInt32 = 0, h1: UInt32 = 0, h2: UInt32 = 0, h3: UInt32 = 0, h4: UInt32 = 0
    /// Bytes of an incomplete block, waiting for the rest (`pendingCount` of them are valid).
    private var pending: (UInt64, UInt64) = (0, 0)
    private var pendingCount = 0

    /// - Precondition: a 32-byte key: `r` (clamped here, RFC 8439 §2.5.1) then `s`.
    package init(key: UnsafeRawBufferPointer) {
        precondition(key.count == Self.keyByteCount, "Poly1305 key size")
        r0 = Self.word(key, 0) & 0x3ff_ffff
        r1 = (Self.word(key, 3) >> 2) & 0x3ff_ff03
        r2 = (Self.word(key, 6) >> 4) & 0x3ff_c0ff
        r3 = (Self.word(key, 9) >> 6) & 0x3f0_3fff
        r4 = (Self.word(key, 12) >> 8) & 0x00f_ffff
        s1 = r1 &* 5
        s2 = r2 &* 5
        s3 = r3 &* 5
        s4 = r4 &* 5
        pad0 = Self.word(key, 16)
        pad1 = Self.word(key, 20)
        pad2 = Self.word(key, 24)
        pad3 = Self.word(key, 28)
    }

    /// Adds `data` to the message.
    package mutating func update(_ data: UnsafeRawBufferPointer) {
        var offset = 0
        let count = data.count
        if pendingCount > 0 {
            let taken = min(Self.blockByteCount &- pendingCount, count)
            withUnsafeMutableBytes(of: &pending) { pending in
                for i in 0..<taken { pending[pendingCount &+ i] = data[i] }
            }
            pendingCount &+= taken
            offset = taken
            guard pendingCount == Self.blockByteCount else { return }
            let block = pending
            withUnsafeBytes(of: block) { processBlock($0, offset: 0, highBit: 1 << 24) }
            pendingCount = 0
        }
        while count &- offset >= Self.blockByteCount {
            processBlock(data, offset: offset, highBit: 1 << 24)
            offset &+= Self.blockByteCount
        }
        if offset < count {
            pending = (0, 0)
            withUnsafeMutableBytes(of: &pending) { pending in
                for i in 0..<(count &- offset) { pending[i] = data[offset &+ i] }
            }
            pendingCount = count &- offset
        }
    }

    /// Adds zero bytes up to the next 16-byte boundary, as the AEAD construction does after the
    /// associated data and after the ciphertext (RFC 8439 §2.8).
    package mutating func padToBlockBoundary() {
        guard pendingCount > 0 else { return }
        withUnsafeMutableBytes(of: &pending) { pending in
            for i in pendingCount..<Self.blockByteCount { pending[i] = 0 }
        }
        let block = pending
        withUnsafeBytes(of: block) { processBlock($0, offset: 0, highBit: 1 << 24) }
        pendingCount = 0
    }

    /// The 16-byte tag.
    package func finalize() -> [UInt8] {
        var copy = self
        if copy.pendingCount > 0 {
            // The last, short block: its bytes, a 1, then zeros; no 2^128 bit (RFC 8439 §2.5.1).
            let used = copy.pendingCount
            withUnsafeMutableBytes(of: &copy.pending) { pending in
                pending[used] = 1
                for i in (used &+ 1)..<Self.blockByteCount { pending[i] = 0 }
            }
            let block = copy.pending
            withUnsafeBytes(of: block) { copy.processBlock($0, offset: 0, highBit: 0) }
        }
        return copy.tag()
    }

    /// One-shot: the tag of `message` under `key`.
    package static func authenticationCode(for message: some Sequence<UInt8>, key: some Sequence<UInt8>) -> [UInt8] {
        withContiguousBytes(of: key) { key in
            withContiguousBytes(of: message) { message in
                var poly = Poly1305(key: key)
                poly.update(message)
                return poly.finalize()
            }
        }
    }

    // MARK: - Arithmetic modulo 2^130 - 5

    private mutating func processBlock(_ data: UnsafeRawBufferPointer, offset: Int, highBit: UInt32) {
        let mask: UInt32 = 0x3ff_ffff
        var h0 = self.h0 &+ (Self.word(data, offset) & mask)
        var h1 = self.h1 &+ ((Self.word(data, offset &+ 3) >> 2) & mask)
        var h2 = self.h2 &+ ((Self.word(data, offset &+ 6) >> 4) & mask)
        var h3 = self.h3 &+ ((Self.word(data, offset &+ 9) >> 6) & mask)
        var h4 = self.h4 &+ ((Self.word(data, offset &+ 12) >> 8) | highBit)

        // Each limb is below 2^27 and each r (or 5r) below 2^29: five products stay below 2^59.
        let d0 =
            UInt64(h0) &* UInt64(r0) &+ UInt64(h1) &* UInt64(s4) &+ UInt64(h2) &* UInt64(s3) &+ UInt64(h3)
            &* UInt64(s2) &+ UInt64(h4) &* UInt64(s1)
        var d1 =
            UInt64(h0) &* UInt64(r1) &+ UInt64(h1) &* UInt64(r0) &+ UInt64(h2) &* UInt64(s4) &+ UInt64(h3)
            &* UInt64(s3) &+ UInt64(h4) &* UInt64(s2)
        var d2 =
            UInt64(h0) &* UInt64(r2) &+ UInt64(h1) &* UInt64(r1) &+ UInt64(h2) &* UInt64(r0) &+ UInt64(h3)
            &* UInt64(s4) &+ UInt64(h4) &* UInt64(s3)
        var d3 =
            UInt64(h0) &* UInt64(r3) &+ UInt64(h1) &* UInt64(r2) &+ UInt64(h2) &* UInt64(r1) &+ UInt64(h3)
            &* UInt64(r0) &+ UInt64(h4) &* UInt64(s4)
        var d4 =
            UInt64(h0) &* UInt64(r4) &+ UInt64(h1) &* UInt64(r3) &+ UInt64(h2) &* UInt64(r2) &+ UInt64(h3)
            &* UInt64(r1) &+ UInt64(h4) &* UInt64(r0)

        var carry = d0 >> 26
        h0 = UInt32(truncatingIfNeeded: d0) & mask
        d1 &+= carry
        carry = d1 >> 26
        h1 = UInt32(truncatingIfNeeded: d1) & mask
        d2 &+= carry
        carry = d2 >> 26
        h2 = UInt32(truncatingIfNeeded: d2) & mask
        d3 &+= carry
        carry = d3 >> 26
        h3 = UInt32(truncatingIfNeeded: d3) & mask
        d4 &+= carry
        carry = d4 >> 26
        h4 = UInt32(truncatingIfNeeded: d4) & mask
        h0 &+= UInt32(truncatingIfNeeded: carry) &* 5
        let c = h0 >> 26
        h0 &= mask
        h1 &+= c

        self.h0 = h0
        self.h1 = h1
        self.h2 = h2
        self.h3 = h3
        self.h4 = h4
    }

    /// Fully reduces the accumulator, adds `s` and serializes (RFC 8439 §2.5.1's last steps).
    private func tag() -> [UInt8] {
        let mask: UInt32 = 0x3ff_ffff
        var h0 = self.h0
        var h1 = self.h1
        var h2 = self.h2
        var h3 = self.h3
        var h4 = self.h4
        var c = h1 >> 26
        h1 &= mask
        h2 &+= c
        c = h2 >> 26
        h2 &= mask
        h3 &+= c
        c = h3 >> 26
        h3 &= mask
        h4 &+= c
        c = h4 >> 26
        h4 &= mask
        h0 &+= c &* 5
        c = h0 >> 26
        h0 &= mask
        h1 &+= c

        // g = h + 5 - 2^130; keep g when it did not go negative (h >= p), else h.
        var g0 = h0 &+ 5
        c = g0 >> 26
        g0 &= mask
        var g1 = h1 &+ c
        c = g1 >> 26
        g1 &= mask
        var g2 = h2 &+ c
        c = g2 >> 26
        g2 &= mask
        var g3 = h3 &+ c
        c = g3 >> 26
        g3 &= mask
        var g4 = h4 &+ c &- (1 << 26)

        var select = (g4 >> 31) &- 1  // all ones when g4 did not borrow
        g0 &= select
        g1 &= select
        g2 &= select
        g3 &= select
        g4 &= select
        select = ~select
        h0 = (h0 & select) | g0
        h1 = (h1 & select) | g1
        h2 = (h2 & select) | g2
        h3 = (h3 & select) | g3
        h4 = (h4 & select) | g4

        // Back to four 32-bit words, then + s modulo 2^128.
        let w0 = h0 | h1 << 26
        let w1 = h1 >> 6 | h2 << 20
        let w2 = h2 >> 12 | h3 << 14
        let w3 = h3 >> 18 | h4 << 8
        var f = UInt64(w0) &+ UInt64(pad0)
        let t0 = UInt32(truncatingIfNeeded: f)
        f = UInt64(w1) &+ UInt64(pad1) &+ (f >> 32)
        let t1 = UInt32(truncatingIfNeeded: f)
        f = UInt64(w2) &+ UInt64(pad2) &+ (f >> 32)
        let t2 = UInt32(truncatingIfNeeded: f)
        f = UInt64(w3) &+ UInt64(pad3) &+ (f >> 32)
        let t3 = UInt32(truncatingIfNeeded: f)

        var tag = [UInt8](repeating: 0, count: Self.tagByteCount)
        tag.withUnsafeMutableBytes { tag in
            tag.storeBytes(of: t0.littleEndian, toByteOffset: 0, as: UInt32.self)
            tag.storeBytes(of: t1.littleEndian, toByteOffset: 4, as: UInt32.self)
            tag.storeBytes(of: t2.littleEndian, toByteOffset: 8, as: UInt32.self)
            tag.storeBytes(of: t3.littleEndian, toByteOffset: 12, as: UInt32.self)
        }
        return tag
    }

    @inline(__always)
    private static func word(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
