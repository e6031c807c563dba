import Glibc

/// Keeps a write to a hook that stopped reading its stdin from killing the responder.
///
/// Writing to a pipe whose reader is gone raises SIGPIPE in the writing thread. The responder's
/// disposition for it is not ours to change, so the signal is blocked in this thread for the
/// exchange, and the one raised by our own EPIPE is consumed before the old mask comes back.
struct PipeSignalBlock {
    private var previous = sigset_t()

    init() {
        var pipeOnly = Self.pipeOnly
        pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous)
    }

    /// Call after a write failed with EPIPE: the SIGPIPE it raised is pending on this thread.
    func consumePending() {
        var pipeOnly = Self.pipeOnly
        var now = timespec(tv_sec: 0, tv_nsec: 0)
        while sigtimedwait(&pipeOnly, nil, &now) < 0 && errno == EINTR {}
    }

    func restore() {
        var previous = previous
        pthread_sigmask(SIG_SETMASK, &previous, nil)
    }

    private static var pipeOnly: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        return set
    }
}
