/// The ChaCha20-Poly1305 AEAD of RFC 8439 §2.8: a 32-byte key, a 12-byte nonce, a 16-byte tag.
///
/// Shaped like swift-crypto's `ChaChaPoly`: `seal` returns ciphertext and tag, `open` checks the
/// tag (in constant time, with `constantTimeEquals`) before it decrypts anything, and a wrong
/// tag, like any wrong length, is a thrown error rather than bytes. A nonce must never be used
/// twice with one key: callers draw a random one per message (`SecureRandom`).
package enum ChaCha20Poly1305 {
    package static let keyByteCount = 32
    package static let nonceByteCount = 12
    package static let tagByteCount = 16
    /// RFC 8439 §2.8: the counter starts at 1 (block 0 makes the Poly1305 key) and is 32 bits,
    /// so a message may have at most 2^32 - 1 blocks.
    package static let maximumMessageByteCount = Int(UInt32.max) &* ChaCha20.blockByteCount

    /// Encrypts `plaintext` and authenticates it with `associatedData`.
    /// - Throws: `AEADError` for a key that is not 32 bytes, a nonce that is not 12, or a
    ///   plaintext longer than the cipher can count.
    package static func seal(
        _ plaintext: some Sequence<UInt8>, key: SymmetricKey, nonce: some Sequence<UInt8>,
        authenticating associatedData: some Sequence<UInt8> = [UInt8]()
    ) throws(AEADError) -> (ciphertext: [UInt8], tag: [UInt8]) {
        let result: Result<([UInt8], [UInt8]), AEADError> = key.withUnsafeBytes { key in
            withContiguousBytes(of: nonce) { nonce in
                withContiguousBytes(of: associatedData) { associatedData in
                    withContiguousBytes(of: plaintext) { plaintext in
                        seal(plaintext, key: key, nonce: nonce, associatedData: associatedData)
                    }
                }
            }
        }
        return try result.get()
    }

    /// Checks `tag` over `ciphertext` and `associatedData`, and only then decrypts.
    /// - Throws: `AEADError.authenticationFailure` for any change to the ciphertext, the tag, the
    ///   associated data, the nonce or the key; a size error for a wrong key, nonce or tag length.
    package static func open(
        _ ciphertext: some Sequence<UInt8>, tag: some Sequence<UInt8>, key: SymmetricKey,
        nonce: some Sequence<UInt8>, authenticating associatedData: some Sequence<UInt8> = [UInt8]()
    ) throws(AEADError) -> [UInt8] {
        let result: Result<[UInt8], AEADError> = key.withUnsafeBytes { key in
            withContiguousBytes(of: nonce) { nonce in
                withContiguousBytes(of: associatedData) { associatedData in
                    withContiguousBytes(of: ciphertext) { ciphertext in
                        withContiguousBytes(of: tag) { tag in
                            open(ciphertext, tag: tag, key: key, nonce: nonce, associatedData: associatedData)
                        }
                    }
                }
            }
        }
        return try result.get()
    }

    // MARK: - On buffers

    static func seal(
        _ plaintext: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
        associatedData: UnsafeRawBufferPointer
    ) -> Result<([UInt8], [UInt8]), AEADError> {
        if let problem = sizeProblem(key: key, nonce: nonce, messageCount: plaintext.count) { return .failure(problem) }
        let cipher = ChaCha20(key: key, nonce: nonce)
        let ciphertext = [UInt8](unsafeUninitializedCapacity: plaintext.count) { buffer, initialized in
            cipher.xor(plaintext, into: UnsafeMutableRawBufferPointer(buffer), counter: 1)
            initialized = plaintext.count
        }
        let tag = ciphertext.withUnsafeBytes { ciphertext in
            authenticator(cipher, associatedData: associatedData, ciphertext: ciphertext)
        }
        return .success((ciphertext, tag))
    }

    static func open(
        _ ciphertext: UnsafeRawBufferPointer, tag: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer
    ) -> Result<[UInt8], AEADError> {
        if let problem = sizeProblem(key: key, nonce: nonce, messageCount: ciphertext.count) {
            return .failure(problem)
        }
        guard tag.count == tagByteCount else { return .failure(.invalidTagSize) }
        let cipher = ChaCha20(key: key, nonce: nonce)
        let expected = authenticator(cipher, associatedData: associatedData, ciphertext: ciphertext)
        guard expected.withUnsafeBytes({ constantTimeEquals($0, tag) }) else { return .failure(.authenticationFailure) }
        let plaintext = [UInt8](unsafeUninitializedCapacity: ciphertext.count) { buffer, initialized in
            cipher.xor(ciphertext, into: UnsafeMutableRawBufferPointer(buffer), counter: 1)
            initialized = ciphertext.count
        }
        return .success(plaintext)
    }

    private static func sizeProblem(
        key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, messageCount: Int
    ) -> AEADError? {
        if key.count != keyByteCount { return .invalidKeySize }
        if nonce.count != nonceByteCount { return .invalidNonceSize }
        if messageCount > maximumMessageByteCount { return .messageTooLong }
        return nil
    }

    /// RFC 8439 §2.8: Poly1305, keyed by the first 32 bytes of block 0, over the associated data,
    /// zeros to a 16-byte boundary, the ciphertext, zeros again, and both lengths as 64-bit
    /// little-endian numbers.
    private static func authenticator(
        _ cipher: ChaCha20, associatedData: UnsafeRawBufferPointer, ciphertext: UnsafeRawBufferPointer
    ) -> [UInt8] {
        withUnsafeTemporaryAllocation(byteCount: ChaCha20.blockByteCount, alignment: 16) { block in
            block.initializeMemory(as: UInt8.self, repeating: 0)
            cipher.xor(UnsafeRawBufferPointer(block), into: block, counter: 0)
            var poly = Poly1305(key: UnsafeRawBufferPointer(rebasing: block[0..<Poly1305.keyByteCount]))
            // The one-time key is secret too: gone before the memory is handed back.
            block.initializeMemory(as: UInt8.self, repeating: 0)
            poly.update(associatedData)
            poly.padToBlockBoundary()
            poly.update(ciphertext)
            poly.padToBlockBoundary()
            let lengths = (UInt64(associatedData.count).littleEndian, UInt64(ciphertext.count).littleEndian)
            withUnsafeBytes(of: lengths) { poly.update($0) }
            return poly.finalize()
        }
    }
}

/// Why `ChaCha20Poly1305` refused: a size it cannot use, or a message that is not authentic.
package enum AEADError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key is not 32 bytes.
    case invalidKeySize
    /// The nonce is not 12 bytes.
    case invalidNonceSize
    /// The tag is not 16 bytes.
    case invalidTagSize
    /// Longer than 2^32 - 1 blocks of 64 bytes.
    case messageTooLong
    /// The tag does not match: the ciphertext, tag, associated data, nonce or key differ from
    /// what was sealed.
    case authenticationFailure

    package var description: String {
        switch self {
        case .invalidKeySize: "ChaCha20-Poly1305 needs a 32-byte key"
        case .invalidNonceSize: "ChaCha20-Poly1305 needs a 12-byte nonce"
        case .invalidTagSize: "ChaCha20-Poly1305 tags are 16 bytes"
        case .messageTooLong: "the message is longer than ChaCha20-Poly1305 can encrypt under one nonce"
        case .authenticationFailure: "the message is not authentic (wrong key, or changed since it was sealed)"
        }
    }
}
