// The SHA-256 block function (FIPS 180-4 §6.2.2), written out in full.
//
// It is the hot loop of the package and must keep up with coreutils' C, so (each measured with
// `Benchmarks/sha256.sh`; see Benchmarks/README.md):
// - The 64 rounds are unrolled: the round constants become immediates, and the eight working
//   variables never move; each round renames them instead (the argument order rotates by one).
// - The message schedule is a 16-word ring of locals (`w0`...`w15`), each word replaced just
//   before the round that needs W[t]; interleaving it with the rounds measured faster than
//   computing a 64-word schedule first.
// - Words are read with unaligned big-endian loads straight from the caller's buffer, and the
//   chaining value stays in locals across all blocks of one call.
// - Without BMI2's three-operand `rorx` (the baseline x86-64 target), every rotation of a value
//   that is still needed costs a copy; nesting the rotations (ror(x ^ ror(x ^ ror(x, p), q), r))
//   needs one copy instead of three, and the code is bound by instruction count, not latency.
// The round lines were produced by a script applying these rules mechanically: read one 8-round
// group and the rest follow the same pattern.

extension SHA256 {
    /// Hashes `blockCount` whole 64-byte blocks starting at `blocks` into `state`.
    @usableFromInline
    static func compress(_ state: inout State, blocks: UnsafeRawPointer, blockCount: Int) {
        var h0 = state.h0
        var h1 = state.h1
        var h2 = state.h2
        var h3 = state.h3
        var h4 = state.h4
        var h5 = state.h5
        var h6 = state.h6
        var h7 = state.h7
        var block = blocks
        for _ in 0..<blockCount {
            var w0 = block.loadUnaligned(fromByteOffset: 0, as: UInt32.self).bigEndian
            var w1 = block.loadUnaligned(fromByteOffset: 4, as: UInt32.self).bigEndian
            var w2 = block.loadUnaligned(fromByteOffset: 8, as: UInt32.self).bigEndian
            var w3 = block.loadUnaligned(fromByteOffset: 12, as: UInt32.self).bigEndian
            var w4 = block.loadUnaligned(fromByteOffset: 16, as: UInt32.self).bigEndian
            var w5 = block.loadUnaligned(fromByteOffset: 20, as: UInt32.self).bigEndian
            var w6 = block.loadUnaligned(fromByteOffset: 24, as: UInt32.self).bigEndian
            var w7 = block.loadUnaligned(fromByteOffset: 28, as: UInt32.self).bigEndian
            var w8 = block.loadUnaligned(fromByteOffset: 32, as: UInt32.self).bigEndian
            var w9 = block.loadUnaligned(fromByteOffset: 36, as: UInt32.self).bigEndian
            var w10 = block.loadUnaligned(fromByteOffset: 40, as: UInt32.self).bigEndian
            var w11 = block.loadUnaligned(fromByteOffset: 44, as: UInt32.self).bigEndian
            var w12 = block.loadUnaligned(fromByteOffset: 48, as: UInt32.self).bigEndian
            var w13 = block.loadUnaligned(fromByteOffset: 52, as: UInt32.self).bigEndian
            var w14 = block.loadUnaligned(fromByteOffset: 56, as: UInt32.self).bigEndian
            var w15 = block.loadUnaligned(fromByteOffset: 60, as: UInt32.self).bigEndian

            var a = h0
            var b = h1
            var c = h2
            var d = h3
            var e = h4
            var f = h5
            var g = h6
            var h = h7
            var bc = b ^ c

            // Rounds 0-15.
            round(a, b, c, &d, e, f, g, &h, 0x428a_2f98 &+ w0, &bc)
            round(h, a, b, &c, d, e, f, &g, 0x7137_4491 &+ w1, &bc)
            round(g, h, a, &b, c, d, e, &f, 0xb5c0_fbcf &+ w2, &bc)
            round(f, g, h, &a, b, c, d, &e, 0xe9b5_dba5 &+ w3, &bc)
            round(e, f, g, &h, a, b, c, &d, 0x3956_c25b &+ w4, &bc)
            round(d, e, f, &g, h, a, b, &c, 0x59f1_11f1 &+ w5, &bc)
            round(c, d, e, &f, g, h, a, &b, 0x923f_82a4 &+ w6, &bc)
            round(b, c, d, &e, f, g, h, &a, 0xab1c_5ed5 &+ w7, &bc)
            round(a, b, c, &d, e, f, g, &h, 0xd807_aa98 &+ w8, &bc)
            round(h, a, b, &c, d, e, f, &g, 0x1283_5b01 &+ w9, &bc)
            round(g, h, a, &b, c, d, e, &f, 0x2431_85be &+ w10, &bc)
            round(f, g, h, &a, b, c, d, &e, 0x550c_7dc3 &+ w11, &bc)
            round(e, f, g, &h, a, b, c, &d, 0x72be_5d74 &+ w12, &bc)
            round(d, e, f, &g, h, a, b, &c, 0x80de_b1fe &+ w13, &bc)
            round(c, d, e, &f, g, h, a, &b, 0x9bdc_06a7 &+ w14, &bc)
            round(b, c, d, &e, f, g, h, &a, 0xc19b_f174 &+ w15, &bc)

            // Rounds 16-31. Each first replaces w[t mod 16] with W[t].
            w0 &+= sigma1(w14) &+ w9 &+ sigma0(w1)
            round(a, b, c, &d, e, f, g, &h, 0xe49b_69c1 &+ w0, &bc)
            w1 &+= sigma1(w15) &+ w10 &+ sigma0(w2)
            round(h, a, b, &c, d, e, f, &g, 0xefbe_4786 &+ w1, &bc)
            w2 &+= sigma1(w0) &+ w11 &+ sigma0(w3)
            round(g, h, a, &b, c, d, e, &f, 0x0fc1_9dc6 &+ w2, &bc)
            w3 &+= sigma1(w1) &+ w12 &+ sigma0(w4)
            round(f, g, h, &a, b, c, d, &e, 0x240c_a1cc &+ w3, &bc)
            w4 &+= sigma1(w2) &+ w13 &+ sigma0(w5)
            round(e, f, g, &h, a, b, c, &d, 0x2de9_2c6f &+ w4, &bc)
            w5 &+= sigma1(w3) &+ w14 &+ sigma0(w6)
            round(d, e, f, &g, h, a, b, &c, 0x4a74_84aa &+ w5, &bc)
            w6 &+= sigma1(w4) &+ w15 &+ sigma0(w7)
            round(c, d, e, &f, g, h, a, &b, 0x5cb0_a9dc &+ w6, &bc)
            w7 &+= sigma1(w5) &+ w0 &+ sigma0(w8)
            round(b, c, d, &e, f, g, h, &a, 0x76f9_88da &+ w7, &bc)
            w8 &+= sigma1(w6) &+ w1 &+ sigma0(w9)
            round(a, b, c, &d, e, f, g, &h, 0x983e_5152 &+ w8, &bc)
            w9 &+= sigma1(w7) &+ w2 &+ sigma0(w10)
            round(h, a, b, &c, d, e, f, &g, 0xa831_c66d &+ w9, &bc)
            w10 &+= sigma1(w8) &+ w3 &+ sigma0(w11)
            round(g, h, a, &b, c, d, e, &f, 0xb003_27c8 &+ w10, &bc)
            w11 &+= sigma1(w9) &+ w4 &+ sigma0(w12)
            round(f, g, h, &a, b, c, d, &e, 0xbf59_7fc7 &+ w11, &bc)
            w12 &+= sigma1(w10) &+ w5 &+ sigma0(w13)
            round(e, f, g, &h, a, b, c, &d, 0xc6e0_0bf3 &+ w12, &bc)
            w13 &+= sigma1(w11) &+ w6 &+ sigma0(w14)
            round(d, e, f, &g, h, a, b, &c, 0xd5a7_9147 &+ w13, &bc)
            w14 &+= sigma1(w12) &+ w7 &+ sigma0(w15)
            round(c, d, e, &f, g, h, a, &b, 0x06ca_6351 &+ w14, &bc)
            w15 &+= sigma1(w13) &+ w8 &+ sigma0(w0)
            round(b, c, d, &e, f, g, h, &a, 0x1429_2967 &+ w15, &bc)

            // Rounds 32-47. Each first replaces w[t mod 16] with W[t].
            w0 &+= sigma1(w14) &+ w9 &+ sigma0(w1)
            round(a, b, c, &d, e, f, g, &h, 0x27b7_0a85 &+ w0, &bc)
            w1 &+= sigma1(w15) &+ w10 &+ sigma0(w2)
            round(h, a, b, &c, d, e, f, &g, 0x2e1b_2138 &+ w1, &bc)
            w2 &+= sigma1(w0) &+ w11 &+ sigma0(w3)
            round(g, h, a, &b, c, d, e, &f, 0x4d2c_6dfc &+ w2, &bc)
            w3 &+= sigma1(w1) &+ w12 &+ sigma0(w4)
            round(f, g, h, &a, b, c, d, &e, 0x5338_0d13 &+ w3, &bc)
            w4 &+= sigma1(w2) &+ w13 &+ sigma0(w5)
            round(e, f, g, &h, a, b, c, &d, 0x650a_7354 &+ w4, &bc)
            w5 &+= sigma1(w3) &+ w14 &+ sigma0(w6)
            round(d, e, f, &g, h, a, b, &c, 0x766a_0abb &+ w5, &bc)
            w6 &+= sigma1(w4) &+ w15 &+ sigma0(w7)
            round(c, d, e, &f, g, h, a, &b, 0x81c2_c92e &+ w6, &bc)
            w7 &+= sigma1(w5) &+ w0 &+ sigma0(w8)
            round(b, c, d, &e, f, g, h, &a, 0x9272_2c85 &+ w7, &bc)
            w8 &+= sigma1(w6) &+ w1 &+ sigma0(w9)
            round(a, b, c, &d, e, f, g, &h, 0xa2bf_e8a1 &+ w8, &bc)
            w9 &+= sigma1(w7) &+ w2 &+ sigma0(w10)
            round(h, a, b, &c, d, e, f, &g, 0xa81a_664b &+ w9, &bc)
            w10 &+= sigma1(w8) &+ w3 &+ sigma0(w11)
            round(g, h, a, &b, c, d, e, &f, 0xc24b_8b70 &+ w10, &bc)
            w11 &+= sigma1(w9) &+ w4 &+ sigma0(w12)
            round(f, g, h, &a, b, c, d, &e, 0xc76c_51a3 &+ w11, &bc)
            w12 &+= sigma1(w10) &+ w5 &+ sigma0(w13)
            round(e, f, g, &h, a, b, c, &d, 0xd192_e819 &+ w12, &bc)
            w13 &+= sigma1(w11) &+ w6 &+ sigma0(w14)
            round(d, e, f, &g, h, a, b, &c, 0xd699_0624 &+ w13, &bc)
            w14 &+= sigma1(w12) &+ w7 &+ sigma0(w15)
            round(c, d, e, &f, g, h, a, &b, 0xf40e_3585 &+ w14, &bc)
            w15 &+= sigma1(w13) &+ w8 &+ sigma0(w0)
            round(b, c, d, &e, f, g, h, &a, 0x106a_a070 &+ w15, &bc)

            // Rounds 48-63. Each first replaces w[t mod 16] with W[t].
            w0 &+= sigma1(w14) &+ w9 &+ sigma0(w1)
            round(a, b, c, &d, e, f, g, &h, 0x19a4_c116 &+ w0, &bc)
            w1 &+= sigma1(w15) &+ w10 &+ sigma0(w2)
            round(h, a, b, &c, d, e, f, &g, 0x1e37_6c08 &+ w1, &bc)
            w2 &+= sigma1(w0) &+ w11 &+ sigma0(w3)
            round(g, h, a, &b, c, d, e, &f, 0x2748_774c &+ w2, &bc)
            w3 &+= sigma1(w1) &+ w12 &+ sigma0(w4)
            round(f, g, h, &a, b, c, d, &e, 0x34b0_bcb5 &+ w3, &bc)
            w4 &+= sigma1(w2) &+ w13 &+ sigma0(w5)
            round(e, f, g, &h, a, b, c, &d, 0x391c_0cb3 &+ w4, &bc)
            w5 &+= sigma1(w3) &+ w14 &+ sigma0(w6)
            round(d, e, f, &g, h, a, b, &c, 0x4ed8_aa4a &+ w5, &bc)
            w6 &+= sigma1(w4) &+ w15 &+ sigma0(w7)
            round(c, d, e, &f, g, h, a, &b, 0x5b9c_ca4f &+ w6, &bc)
            w7 &+= sigma1(w5) &+ w0 &+ sigma0(w8)
            round(b, c, d, &e, f, g, h, &a, 0x682e_6ff3 &+ w7, &bc)
            w8 &+= sigma1(w6) &+ w1 &+ sigma0(w9)
            round(a, b, c, &d, e, f, g, &h, 0x748f_82ee &+ w8, &bc)
            w9 &+= sigma1(w7) &+ w2 &+ sigma0(w10)
            round(h, a, b, &c, d, e, f, &g, 0x78a5_636f &+ w9, &bc)
            w10 &+= sigma1(w8) &+ w3 &+ sigma0(w11)
            round(g, h, a, &b, c, d, e, &f, 0x84c8_7814 &+ w10, &bc)
            w11 &+= sigma1(w9) &+ w4 &+ sigma0(w12)
            round(f, g, h, &a, b, c, d, &e, 0x8cc7_0208 &+ w11, &bc)
            w12 &+= sigma1(w10) &+ w5 &+ sigma0(w13)
            round(e, f, g, &h, a, b, c, &d, 0x90be_fffa &+ w12, &bc)
            w13 &+= sigma1(w11) &+ w6 &+ sigma0(w14)
            round(d, e, f, &g, h, a, b, &c, 0xa450_6ceb &+ w13, &bc)
            w14 &+= sigma1(w12) &+ w7 &+ sigma0(w15)
            round(c, d, e, &f, g, h, a, &b, 0xbef9_a3f7 &+ w14, &bc)
            w15 &+= sigma1(w13) &+ w8 &+ sigma0(w0)
            round(b, c, d, &e, f, g, h, &a, 0xc671_78f2 &+ w15, &bc)

            h0 &+= a
            h1 &+= b
            h2 &+= c
            h3 &+= d
            h4 &+= e
            h5 &+= f
            h6 &+= g
            h7 &+= h
            block += SHA256.blockByteCount
        }
        state = State(h0: h0, h1: h1, h2: h2, h3: h3, h4: h4, h5: h5, h6: h6, h7: h7)
    }
}

/// One round: `d += T1`, `h = T1 + T2`; the caller rotates the roles of the eight variables.
///
/// `bc` carries `b ^ c` in and `a ^ b` out (this round's `a ^ b` is the next round's `b ^ c`), so
/// Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)) costs two operations.
@inline(__always)
private func round(
    _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
    _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32,
    _ kw: UInt32, _ bc: inout UInt32
) {
    // Σ1(e) = ror(e, 6) ^ ror(e, 11) ^ ror(e, 25); Ch(e, f, g) = (e & f) ^ (~e & g).
    let t1 = h &+ rotr(e ^ rotr(e ^ rotr(e, 14), 5), 6) &+ (g ^ (e & (f ^ g))) &+ kw
    // Σ0(a) = ror(a, 2) ^ ror(a, 13) ^ ror(a, 22).
    let ab = a ^ b
    let t2 = rotr(a ^ rotr(a ^ rotr(a, 9), 11), 2) &+ (b ^ (ab & bc))
    bc = ab
    d &+= t1
    h = t1 &+ t2
}

/// σ0(x) = ror(x, 7) ^ ror(x, 18) ^ (x >> 3).
@inline(__always)
private func sigma0(_ x: UInt32) -> UInt32 { rotr(x ^ rotr(x, 11), 7) ^ (x &>> 3) }

/// σ1(x) = ror(x, 17) ^ ror(x, 19) ^ (x >> 10).
@inline(__always)
private func sigma1(_ x: UInt32) -> UInt32 { rotr(x ^ rotr(x, 2), 17) ^ (x &>> 10) }

/// Compiles to a single `ror`.
@inline(__always)
private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x &>> n) | (x &<< (32 &- n)) }
