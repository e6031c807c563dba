/// How long a slot waits before its next worker, after its last one died.
///
/// A worker that had said it was ready (then died of a crash, a hostile record, a kill) is replaced
/// at once, however young: a local peer can kill a worker with every record it sends, and a pause
/// there would turn a stream of such records into an outage. One that died before it was ready
/// failed to start and will most likely fail again (no threads, no descriptors, a library that
/// cannot start), so each such failure in a row doubles the wait, from 100 ms up to 10 s: never a
/// tight fork loop, and back within seconds once the cause is gone. A worker that gets ready clears
/// the count.
struct RestartBackoff: Sendable, Equatable {
    static let firstDelay: Int64 = 100_000
    static let longestDelay: Int64 = 10_000_000

    /// Workers that died before they were ready, in a row.
    private(set) var quickDeaths = 0

    /// The wait (microseconds) before the next worker, given whether the one that died was ready.
    mutating func delay(afterDeathWhenReady wasReady: Bool) -> Int64 {
        guard !wasReady else {
            quickDeaths = 0
            return 0
        }
        quickDeaths += 1
        // 100 ms << 7 is already past the limit: the shift never grows with the count.
        return min(Self.longestDelay, Self.firstDelay << Int64(min(quickDeaths - 1, 7)))
    }

    /// A worker of this slot is ready: whatever stopped the earlier ones is gone.
    mutating func reset() {
        quickDeaths = 0
    }
}
