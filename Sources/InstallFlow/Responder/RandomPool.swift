internal import InstallCrypto
internal import Synchronization

/// Kernel randomness fetched 4 KiB at a time: `/oauth/authorize` needs 64 bytes per request, and
/// one `getrandom` per 64 installs costs less than one per request. Every byte comes from the
/// kernel and is handed out once; nothing is derived or reused.
package final class RandomPool: Sendable {
    private static let refill = 4096
    private let pool = Mutex<(bytes: [UInt8], used: Int)>(([], 0))

    package init() {}

    package func bytes(count: Int) -> [UInt8] {
        guard count <= Self.refill else { return SecureRandom.bytes(count: count) }
        return pool.withLock { pool in
            if pool.bytes.count - pool.used < count {
                pool.bytes = SecureRandom.bytes(count: Self.refill)
                pool.used = 0
            }
            let start = pool.used
            pool.used += count
            let taken = Array(pool.bytes[start..<pool.used])
            // Spent bytes are wiped, so the pool never holds a nonce or cookie already given out.
            for index in start..<pool.used { pool.bytes[index] = 0 }
            return taken
        }
    }
}
