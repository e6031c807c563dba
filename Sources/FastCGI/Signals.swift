internal import Glibc

/// Every signal's disposition, decided in one place for the master and for the workers.
///
/// Signals that ask for something (SIGTERM, SIGINT, SIGHUP, SIGCHLD and the workers' readiness
/// wake-up) are blocked and taken synchronously with `sigtimedwait`, never by a handler: they are
/// blocked before any thread starts, so every thread inherits the mask and a signal waits, pending,
/// until the one thread that asks for it does.
///
/// Signals whose default is to end the process but that nothing here should act on are ignored:
/// log rotators send SIGUSR1 or SIGHUP to whatever pid they find, a terminal sends SIGTSTP or
/// SIGTTOU, a stray `kill -ALRM` happens. libfcgi's `FCGX_Init` installs its own SIGUSR1 handler
/// (and one for SIGTERM), which sets a flag that makes every later accept fail at once: one
/// SIGUSR1 would leave a worker alive but deaf. So the workers call `ignoreStray()` after
/// `FCGX_Init`, replacing those handlers. Left at their defaults, on purpose: SIGKILL and SIGSTOP
/// (cannot be changed), SIGQUIT (an operator's way to get a core), and the faults (SIGSEGV,
/// SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS, SIGXCPU): a worker that faults dies, and the
/// master replaces it.
enum Signals {
    /// Ended the process by default, meant nothing to us: ignored in the master and in workers.
    /// (A hook's process gets every signal back at its default: `ChildProcess` resets them.)
    static let stray: [Int32] = [
        SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSTKFLT,
        SIGTSTP, SIGTTIN, SIGTTOU, SIGXFSZ,
    ]

    /// What the master waits for. SIGUSR2 only wakes it: a worker sends it after writing its pid to
    /// the readiness pipe, and the master reads the pipe, so a SIGUSR2 from anyone else is harmless.
    static let masterSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR2]

    /// What a worker waits for: SIGTERM, from the master (stop accepting, finish, exit). SIGINT is
    /// ignored in workers: Ctrl-C on a terminal reaches the whole process group, and the master,
    /// which gets it too, stops the workers in order.
    static let workerSignals: [Int32] = [SIGTERM]

    static func set(_ numbers: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in numbers { sigaddset(&set, number) }
        return set
    }

    /// Replaces the calling thread's mask (and so the mask of threads it starts later).
    static func setMask(blocking numbers: [Int32]) {
        var set = set(numbers)
        pthread_sigmask(SIG_SETMASK, &set, nil)
    }

    /// Ignores every signal of `stray` (replacing whatever handler libfcgi installed).
    static func ignoreStray() {
        for number in stray { signal(number, SIG_IGN) }
    }

    /// Back to the default action: for a signal that is blocked and taken by `wait`, no handler
    /// (libfcgi's included) may ever run.
    static func resetToDefault(_ numbers: [Int32]) {
        for number in numbers { signal(number, SIG_DFL) }
    }

    /// Waits at most `milliseconds` for one of `numbers` (which must be blocked); returns its
    /// number, or nil on timeout.
    static func wait(for numbers: [Int32], milliseconds: Int) -> Int32? {
        var set = set(numbers)
        let clamped = max(0, milliseconds)
        var timeout = timespec(tv_sec: clamped / 1000, tv_nsec: (clamped % 1000) * 1_000_000)
        let number = sigtimedwait(&set, nil, &timeout)
        return number > 0 ? number : nil
    }

    /// `SIGKILL` for 9: the name a log line shows for a worker's death.
    static func name(_ number: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
            SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
            SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
            SIGSTKFLT: "SIGSTKFLT", SIGCHLD: "SIGCHLD", SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP", SIGTSTP: "SIGTSTP",
            SIGTTIN: "SIGTTIN", SIGTTOU: "SIGTTOU", SIGURG: "SIGURG", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ",
            SIGVTALRM: "SIGVTALRM", SIGPROF: "SIGPROF", SIGWINCH: "SIGWINCH", SIGIO: "SIGIO", SIGPWR: "SIGPWR",
            SIGSYS: "SIGSYS",
        ]
        return names[number] ?? "signal \(number)"
    }
}
