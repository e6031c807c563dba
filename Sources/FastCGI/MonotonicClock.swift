internal import Glibc

/// The clock of a log line's durations: monotonic, so a change of the system time never makes one
/// negative (`WallClock` gives the timestamp).
package enum MonotonicClock {
    package static func microseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }
}
