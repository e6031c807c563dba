/// SHA-256 (FIPS 180-4), streaming: `init`, any number of `update`s, `finalize`.
///
/// Pure Swift on purpose (no CPU SHA extensions, no OpenSSL): the block function is in
/// `SHA256+Compression.swift`. The value holds no references, so copying a partly fed hasher is
/// cheap; HMAC relies on that.
package struct SHA256: HashFunction, Sendable {
    package typealias Digest = SHA256Digest

    package static let byteCount = 32
    package static let blockByteCount = 64

    /// The chaining value H0...H7.
    @usableFromInline
    struct State: Sendable {
        @usableFromInline var h0, h1, h2, h3, h4, h5, h6, h7: UInt32

        @usableFromInline
        init(h0: UInt32, h1: UInt32, h2: UInt32, h3: UInt32, h4: UInt32, h5: UInt32, h6: UInt32, h7: UInt32) {
            (self.h0, self.h1, self.h2, self.h3) = (h0, h1, h2, h3)
            (self.h4, self.h5, self.h6, self.h7) = (h4, h5, h6, h7)
        }
    }

    /// 64 bytes held inline (a tuple, not an Array), so updating never allocates or copies on write.
    @usableFromInline
    typealias Block = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    @usableFromInline var state: State
    /// Input not yet hashed; only the first `pendingCount` bytes are meaningful.
    @usableFromInline var pending: Block
    @usableFromInline var pendingCount: Int
    /// Total bytes fed, modulo 2^64 (the padding records bits, also modulo 2^64).
    @usableFromInline var messageByteCount: UInt64

    @inlinable
    package init() {
        state = State(
            h0: 0x6a09_e667, h1: 0xbb67_ae85, h2: 0x3c6e_f372, h3: 0xa54f_f53a,
            h4: 0x510e_527f, h5: 0x9b05_688c, h6: 0x1f83_d9ab, h7: 0x5be0_cd19
        )
        pending = (0, 0, 0, 0, 0, 0, 0, 0)
        pendingCount = 0
        messageByteCount = 0
    }

    package mutating func update(bufferPointer: UnsafeRawBufferPointer) {
        guard var input = bufferPointer.baseAddress, bufferPointer.count > 0 else { return }
        var remaining = bufferPointer.count
        messageByteCount &+= UInt64(truncatingIfNeeded: remaining)

        var state = self.state
        defer { self.state = state }
        let blockSize = SHA256.blockByteCount

        if pendingCount > 0 {
            let take = min(blockSize - pendingCount, remaining)
            let offset = pendingCount
            withUnsafeMutableBytes(of: &pending) { pending in
                (pending.baseAddress! + offset).copyMemory(from: input, byteCount: take)
            }
            pendingCount += take
            input += take
            remaining -= take
            guard pendingCount == blockSize else { return }
            withUnsafeBytes(of: &pending) { SHA256.compress(&state, blocks: $0.baseAddress!, blockCount: 1) }
            pendingCount = 0
        }

        // The bulk of a large input goes through here, straight from the caller's memory.
        let wholeBlocks = remaining / blockSize
        if wholeBlocks > 0 {
            SHA256.compress(&state, blocks: input, blockCount: wholeBlocks)
            input += wholeBlocks * blockSize
            remaining -= wholeBlocks * blockSize
        }

        if remaining > 0 {
            let take = remaining
            withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.copyMemory(from: input, byteCount: take) }
            pendingCount = take
        }
    }

    package func finalize() -> SHA256Digest {
        SHA256Digest(state: paddedFinalState())
    }

    /// Appends the padding (0x80, zeros, the message length in bits, big-endian) to a copy of the
    /// pending block and hashes it.
    func paddedFinalState() -> State {
        var state = self.state
        var block = pending
        let count = pendingCount
        let bitCount = messageByteCount &* 8
        withUnsafeMutableBytes(of: &block) { block in
            block[count] = 0x80
            block.baseAddress!.advanced(by: count + 1).initializeMemory(
                as: UInt8.self, repeating: 0, count: SHA256.blockByteCount - count - 1)
            if count >= SHA256.blockByteCount - 8 {
                SHA256.compress(&state, blocks: UnsafeRawPointer(block.baseAddress!), blockCount: 1)
                block.baseAddress!.initializeMemory(as: UInt8.self, repeating: 0, count: SHA256.blockByteCount - 8)
            }
            block.storeBytes(of: bitCount.bigEndian, toByteOffset: SHA256.blockByteCount - 8, as: UInt64.self)
            SHA256.compress(&state, blocks: UnsafeRawPointer(block.baseAddress!), blockCount: 1)
        }
        return state
    }
}
