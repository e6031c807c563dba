internal import Glibc
internal import InstallCrypto

/// The clock and the randomness the flow uses, passed in so tests can fix them.
package struct FlowEnvironment: Sendable {
    /// Unix seconds.
    package var now: @Sendable () -> Int64
    /// Bytes from a secure source.
    package var randomBytes: @Sendable (Int) -> [UInt8]

    package init(now: @escaping @Sendable () -> Int64, randomBytes: @escaping @Sendable (Int) -> [UInt8]) {
        self.now = now
        self.randomBytes = randomBytes
    }

    /// The system clock and the kernel's random bytes (through a pool, to save system calls).
    package static let live: FlowEnvironment = {
        let pool = RandomPool()
        return FlowEnvironment(now: { Int64(time(nil)) }, randomBytes: { pool.bytes(count: $0) })
    }()
}
