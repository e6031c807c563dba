import InstallCrypto

/// ChaCha20-Poly1305 seal and open throughput, through the same calls `SealedToken` makes (a
/// fresh array per ciphertext), for `Benchmarks/aead.sh`.
enum AEADBench {
    static let sizes = [64, 1024, 16 * 1024]
    /// About as long as a sealed token's associated data.
    static let associatedDataCount = 48

    /// `aead [ROUNDS]`: per message size, the best of ROUNDS (default 3) timed runs of about
    /// 0.3 s each; prints `aead seal SIZE MB/s` and `aead open SIZE MB/s` (MB = 10^6 bytes of
    /// plaintext).
    static func run(arguments: [String]) {
        let rounds = max(arguments.first.flatMap { Int($0) } ?? 3, 1)
        let key = SymmetricKey(data: (0..<32).map { UInt8($0) })
        let nonce = [UInt8](repeating: 7, count: 12)
        let associatedData = [UInt8](repeating: 0xAD, count: associatedDataCount)
        var sink: UInt8 = 0
        for size in sizes {
            let message = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            // Enough messages for about 0.3 s on a machine doing ~500 MB/s.
            let iterations = max(150_000_000 / max(size, 256), 1000)
            let sealed: (ciphertext: [UInt8], tag: [UInt8])
            do {
                sealed = try ChaCha20Poly1305.seal(message, key: key, nonce: nonce, authenticating: associatedData)
            } catch {
                fail("seal failed: \(error)")
            }
            var bestSeal = Duration.seconds(1_000_000)
            var bestOpen = Duration.seconds(1_000_000)
            for _ in 0..<rounds {
                let seal = ContinuousClock().measure {
                    for _ in 0..<iterations {
                        let box = try? ChaCha20Poly1305.seal(
                            message, key: key, nonce: nonce, authenticating: associatedData)
                        sink &+= box?.tag[0] ?? 0
                    }
                }
                bestSeal = min(bestSeal, seal)
                let open = ContinuousClock().measure {
                    for _ in 0..<iterations {
                        let plaintext = try? ChaCha20Poly1305.open(
                            sealed.ciphertext, tag: sealed.tag, key: key, nonce: nonce, authenticating: associatedData)
                        sink &+= plaintext?.first ?? 1
                    }
                }
                bestOpen = min(bestOpen, open)
            }
            print("aead seal \(size) \(megabytesPerSecond(size * iterations, bestSeal)) MB/s")
            print("aead open \(size) \(megabytesPerSecond(size * iterations, bestOpen)) MB/s")
        }
        print("(sink \(sink))")
    }

    private static func megabytesPerSecond(_ bytes: Int, _ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let value = Double(bytes) / 1e6 / (Double(seconds) + Double(attoseconds) * 1e-18)
        let tenths = (value * 10).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10)"
    }
}
