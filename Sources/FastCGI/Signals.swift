internal import Glibc

/// SIGTERM and SIGINT are taken synchronously by the main thread with `sigwait`, never by a
/// handler: they are blocked before any worker starts, so every thread inherits the mask and the
/// signal waits, pending, until the main thread asks for it.
enum Signals {
    private static func terminationSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        return set
    }

    /// Blocks SIGTERM and SIGINT in the calling thread (and in threads it starts afterwards).
    static func blockTermination() {
        var set = terminationSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits for SIGTERM or SIGINT; returns its number.
    static func waitForTermination() -> Int32 {
        var set = terminationSet()
        var number: Int32 = 0
        while sigwait(&set, &number) != 0 {}
        return number
    }

    /// Waits at most `milliseconds` for SIGTERM or SIGINT; returns its number, or nil.
    static func waitForTermination(milliseconds: Int) -> Int32? {
        var set = terminationSet()
        var timeout = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        let number = sigtimedwait(&set, nil, &timeout)
        return number > 0 ? number : nil
    }
}
