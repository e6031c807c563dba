import Glibc
import Testing

@testable import FastCGI

struct SignalsTests {
    /// Ignoring any of these would break the master or the workers: stop requests, child reaping
    /// (an ignored SIGCHLD reaps children behind waitpid's back), or the faults that must end a
    /// broken worker so it can be replaced.
    @Test(arguments: [SIGTERM, SIGINT, SIGCHLD, SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGQUIT])
    func isNeverIgnoredAsAStray(number: Int32) {
        #expect(!Signals.stray.contains(number))
    }

    /// What log rotators, terminals and stray `kill`s send, and libfcgi's SIGUSR1 above all.
    @Test(arguments: [SIGUSR1, SIGUSR2, SIGHUP, SIGPIPE, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU])
    func isIgnoredByWorkers(number: Int32) {
        #expect(Signals.stray.contains(number))
        #expect(!Signals.workerSignals.contains(number))
    }

    @Test func deathsAreLoggedWithTheSignalsName() {
        #expect(Signals.name(SIGABRT) == "SIGABRT")
        #expect(Signals.name(SIGKILL) == "SIGKILL")
        #expect(Signals.name(SIGSEGV) == "SIGSEGV")
        #expect(Signals.name(77) == "signal 77")
    }
}
