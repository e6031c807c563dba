// INTERIM: a naive stand-in for InstallCrypto so InstallFlow builds while the real target is written; removed when it lands.
import Glibc
package protocol HashFunction { init(); mutating func update(data: some Sequence<UInt8>); func finalize() -> SHA256Digest; static var blockByteCount: Int { get } }
package struct SHA256: Sendable, HashFunction {
    package static let byteCount = 32, blockByteCount = 64
    static let k: [UInt32] = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2]
    var h: [UInt32] = [0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19]
    var buf: [UInt8] = []; var len: UInt64 = 0
    package init() {}
    package mutating func update(bufferPointer: UnsafeRawBufferPointer) { update(data: Array(bufferPointer)) }
    package mutating func update(data: some Sequence<UInt8>) { for b in data { buf.append(b); len += 1; if buf.count == 64 { block(); buf.removeAll(keepingCapacity: true) } } }
    mutating func block() {
        var w = [UInt32](repeating: 0, count: 64)
        for i in 0..<16 { w[i] = UInt32(buf[4*i]) << 24 | UInt32(buf[4*i+1]) << 16 | UInt32(buf[4*i+2]) << 8 | UInt32(buf[4*i+3]) }
        func r(_ x: UInt32, _ n: UInt32) -> UInt32 { x >> n | x << (32 - n) }
        for i in 16..<64 { let s0 = r(w[i-15],7) ^ r(w[i-15],18) ^ (w[i-15] >> 3); let s1 = r(w[i-2],17) ^ r(w[i-2],19) ^ (w[i-2] >> 10); w[i] = w[i-16] &+ s0 &+ w[i-7] &+ s1 }
        var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
        for i in 0..<64 { let S1 = r(e,6) ^ r(e,11) ^ r(e,25); let ch = (e & f) ^ (~e & g); let t1 = hh &+ S1 &+ ch &+ SHA256.k[i] &+ w[i]; let S0 = r(a,2) ^ r(a,13) ^ r(a,22); let mj = (a & b) ^ (a & c) ^ (b & c); let t2 = S0 &+ mj; hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2 }
        h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d; h[4] = h[4] &+ e; h[5] = h[5] &+ f; h[6] = h[6] &+ g; h[7] = h[7] &+ hh
    }
    package func finalize() -> SHA256Digest {
        var c = self; let bits = len * 8; c.update(data: [0x80]); while c.buf.count != 56 { c.update(data: [0]) }
        c.update(data: (0..<8).map { UInt8(truncatingIfNeeded: bits >> (56 - 8 * UInt64($0))) })
        return SHA256Digest(bytes: c.h.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32($0))) } })
    }
    package static func hash(data: some Sequence<UInt8>) -> SHA256Digest { var s = SHA256(); s.update(data: data); return s.finalize() }
}
package struct SHA256Digest: Sendable, Equatable, Hashable, CustomStringConvertible, Sequence {
    package var bytes: [UInt8]
    package static func == (a: Self, b: Self) -> Bool { constantTimeEquals(a.bytes, b.bytes) }
    package var description: String { bytes.map { String($0, radix: 16) }.joined() }
    package func makeIterator() -> IndexingIterator<[UInt8]> { bytes.makeIterator() }
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try bytes.withUnsafeBytes(body) }
}
package struct HashedAuthenticationCode<H>: Sendable, Sequence { package var bytes: [UInt8]; package func makeIterator() -> IndexingIterator<[UInt8]> { bytes.makeIterator() } }
package struct HMAC<H: HashFunction> {
    var inner: H; var outer: H
    package init(key: SymmetricKey) {
        var k = key.bytes; if k.count > 64 { k = SHA256.hash(data: k).bytes }; k += [UInt8](repeating: 0, count: 64 - k.count)
        inner = H(); inner.update(data: k.map { $0 ^ 0x36 }); outer = H(); outer.update(data: k.map { $0 ^ 0x5c })
    }
    package mutating func update(data: some Sequence<UInt8>) { inner.update(data: data) }
    package func finalize() -> HashedAuthenticationCode<H> { var o = outer; o.update(data: inner.finalize().bytes); return .init(bytes: o.finalize().bytes) }
    package static func authenticationCode(for data: some Sequence<UInt8>, using key: SymmetricKey) -> HashedAuthenticationCode<H> { var h = Self(key: key); h.update(data: data); return h.finalize() }
    package static func isValidAuthenticationCode(_ mac: some Sequence<UInt8>, authenticating data: some Sequence<UInt8>, using key: SymmetricKey) -> Bool { constantTimeEquals(authenticationCode(for: data, using: key).bytes, Array(mac)) }
}
package struct SymmetricKey: Sendable, CustomStringConvertible {
    let bytes: [UInt8]
    package init(data: some Sequence<UInt8>) { bytes = Array(data) }
    package init(randomByteCount: Int) { bytes = SecureRandom.bytes(count: randomByteCount) }
    package var byteCount: Int { bytes.count }
    package var description: String { "<redacted>" }
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try bytes.withUnsafeBytes(body) }
}
package func constantTimeEquals(_ a: some Sequence<UInt8>, _ b: some Sequence<UInt8>) -> Bool { let x = Array(a), y = Array(b); guard x.count == y.count else { return false }; var d: UInt8 = 0; for i in 0..<x.count { d |= x[i] ^ y[i] }; return d == 0 }
package enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    package static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let b = Array(bytes); var out = [UInt8](); var i = 0
        while i + 3 <= b.count { let n = UInt32(b[i]) << 16 | UInt32(b[i+1]) << 8 | UInt32(b[i+2]); for s in [18,12,6,0] { out.append(alphabet[Int(n >> UInt32(s) & 63)]) }; i += 3 }
        let rest = b.count - i
        if rest == 1 { let n = UInt32(b[i]) << 16; out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)]) }
        if rest == 2 { let n = UInt32(b[i]) << 16 | UInt32(b[i+1]) << 8; for s in [18,12,6] { out.append(alphabet[Int(n >> UInt32(s) & 63)]) } }
        return String(decoding: out, as: UTF8.self)
    }
    package static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var vals = [UInt32]()
        for c in text.utf8 { guard let v = alphabet.firstIndex(of: c) else { return nil }; vals.append(UInt32(v)) }
        if vals.count % 4 == 1 { return nil }
        var out = [UInt8](); var acc: UInt32 = 0; var bits = 0
        for v in vals { acc = acc << 6 | v; bits += 6; if bits >= 8 { bits -= 8; out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits))) } }
        if acc & ((1 << UInt32(bits)) - 1) != 0 { return nil }
        return out
    }
}
package enum SecureRandom {
    package static func fill(_ buffer: UnsafeMutableRawBufferPointer) { let fd = open("/dev/urandom", O_RDONLY); defer { close(fd) }; guard read(fd, buffer.baseAddress, buffer.count) == buffer.count else { fatalError("getrandom") } }
    package static func bytes(count: Int) -> [UInt8] { var b = [UInt8](repeating: 0, count: count); b.withUnsafeMutableBytes { fill($0) }; return b }
}
