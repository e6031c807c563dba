internal import Synchronization

/// How many hooks may run at once in one process. A hook can take seconds (up to its timeout); if
/// every thread waited on one, pages and `/healthz` would stop answering. A callback that finds
/// every slot taken is answered "busy, try again" at once, without waiting and before its state is
/// used up, so the same link works once a slot is free.
package final class HookSlots: Sendable {
    package let capacity: Int
    private let taken = Atomic<Int>(0)

    package init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Takes a slot if one is free; never waits. Each `true` must be followed by one `release()`.
    package func tryAcquire() -> Bool {
        var current = taken.load(ordering: .relaxed)
        while current < capacity {
            let (exchanged, original) = taken.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    package func release() {
        taken.subtract(1, ordering: .releasing)
    }

    /// Slots taken right now (for tests).
    package var inUse: Int { taken.load(ordering: .relaxed) }
}
