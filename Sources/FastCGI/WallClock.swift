internal import Glibc

/// The clock of a log line's timestamp (`MonotonicClock` times its durations).
package enum WallClock {
    /// Seconds since the Unix epoch, with sub-second precision.
    package static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
