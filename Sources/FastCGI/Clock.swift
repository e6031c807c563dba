internal import Glibc

/// The two clocks of a log line: monotonic for durations, wall-clock for the timestamp.
package enum MonotonicClock {
    package static func microseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }
}

package enum WallClock {
    /// Seconds since the Unix epoch, with sub-second precision.
    package static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
