internal import Synchronization

/// A nonce store in memory, for tests and single-process tools.
package final class MemoryNonceStore: NonceStore {
    private let used = Mutex<Set<[UInt8]>>([])

    package init() {}

    package func claim(nonce: [UInt8], issuedAt: Int64, now: Int64) -> NonceClaim {
        used.withLock { $0.insert(nonce).inserted } ? .claimed : .alreadyUsed
    }

    package func wasClaimed(nonce: [UInt8]) -> Bool {
        used.withLock { $0.contains(nonce) }
    }
}
