/// How long a slot waits before its next worker, after its last one died.
///
/// A worker that had run for a while (a crash, a hostile record, a kill) is replaced at once. One
/// that died right after starting will most likely die again (no threads, no descriptors, a
/// library that cannot start), so each such death in a row doubles the wait, from 100 ms up to
/// 10 s: never a tight fork loop, and back within seconds once the cause is gone.
struct RestartBackoff: Sendable, Equatable {
    /// A worker that lived less than this (microseconds) died "right after starting".
    static let quickDeath: Int64 = 1_000_000
    static let firstDelay: Int64 = 100_000
    static let longestDelay: Int64 = 10_000_000

    /// Deaths right after starting, in a row.
    private(set) var quickDeaths = 0

    /// The wait (microseconds) before the next worker, given how long the one that died had run.
    mutating func delay(afterRunning lived: Int64) -> Int64 {
        guard lived < Self.quickDeath else {
            quickDeaths = 0
            return 0
        }
        quickDeaths += 1
        // 100 ms << 7 is already past the limit: the shift never grows with the count.
        return min(Self.longestDelay, Self.firstDelay << Int64(min(quickDeaths - 1, 7)))
    }
}
