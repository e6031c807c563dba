internal import Glibc
import InstallFlow

/// The FastCGI responder's master process: it owns the listening socket, keeps `workers` worker
/// processes of `threads` threads each accepting on it, replaces a worker that dies, reloads on
/// SIGHUP and stops them all in order on SIGTERM or SIGINT. It never parses a request and never
/// calls libfcgi.
///
/// Why processes: libfcgi aborts the whole process on some malformed records (a local peer on the
/// socket can send one), and a crash in any thread ends its process. A worker's death costs the
/// requests in flight on its threads; the others keep answering, and a new worker takes its place
/// within milliseconds.
///
/// Why fork and exec, not a bare fork: a worker is a fresh process running this same executable
/// (`serve --worker`), which reads the configuration, keys and templates itself. A bare fork would
/// hand every worker a copy of the master's memory: the flow's pool of random bytes (two workers
/// could hand out the same nonce), its request-id prefix, and any lock another thread (the
/// access-log flusher, libfcgi's) happened to hold at that instant. Between fork and exec the child
/// only moves two descriptors and calls `execve`, all async-signal-safe. `/proc/self/exe` is the
/// file the master runs even if a new version was installed since: SIGHUP reloads configuration,
/// not code (restart the service for a new binary). The master itself stays single-threaded.
package final class Master {
    let listener: Listener
    let workers: Int
    let threads: Int
    /// What follows argv[0] for a worker: `serve --worker --threads N [--config FILE]`.
    let workerArguments: [String]
    let reload: () -> Result<CheckedConfiguration, ReloadRefusal>

    private var checked: CheckedConfiguration
    private var generation = 1
    private var running = [pid_t: WorkerRecord]()
    /// One per worker of the current generation: when its next worker may start, and its backoff.
    private var slots: [Slot]
    private var readiness: (read: Int32, write: Int32) = (-1, -1)
    private var stopDeadline: Int64?
    /// When the latest reload began (see `reloadStarting`).
    private var reloadBegan: Int64?
    /// A SIGHUP came while a reload was under way: one more reload once it is done.
    private var reloadPending = false

    /// How long a reload that is not done holds back the next one: a generation whose workers
    /// cannot start, or a retired worker busy with a long hook, must not make a later SIGHUP wait
    /// forever.
    static let reloadPatience: Int64 = 10_000_000

    /// Threads blocked in accept look at their stop flag this often (see `Listener.setAcceptTimeout`).
    static let acceptTimeoutMilliseconds = 500

    /// Two threads per core, at least four: a request mostly waits (on nginx, on the hook).
    package static func defaultThreadCount() -> Int {
        max(4, 2 * Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    package static let defaultWorkerCount = 2

    /// The program a worker runs: this very executable (see above).
    static let executable = "/proc/self/exe"

    /// `configuration` is what the caller has checked at start; `reload` reads and checks the
    /// configuration again (SIGHUP).
    package init(
        listener: Listener, workers: Int, threads: Int, workerArguments: [String],
        configuration: CheckedConfiguration, reload: @escaping () -> Result<CheckedConfiguration, ReloadRefusal>
    ) {
        self.listener = listener
        self.workers = max(1, workers)
        self.threads = max(1, threads)
        self.workerArguments = workerArguments
        self.checked = configuration
        self.reload = reload
        self.slots = Array(repeating: Slot(), count: max(1, workers))
    }

    struct WorkerRecord {
        let slot: Int
        let generation: Int
        let started: Int64
        var ready = false
        /// Told to stop (a reload replaced it, or the master is stopping): not replaced.
        var retiring = false
    }

    struct Slot {
        /// When the slot's next worker starts (monotonic microseconds); nil while one runs.
        var startAt: Int64? = 0
        var backoff = RestartBackoff()
    }

    /// Serves until SIGTERM or SIGINT and every worker has finished; returns, or throws when the
    /// workers had to be killed (the grace period ran out, or a second SIGTERM/SIGINT came).
    /// Call it once, on the main thread; it closes the listener when it returns or throws.
    package func run() throws(ServerError) {
        guard access(Self.executable, X_OK) == 0 else {
            let failure = ServerError.system(
                .workers, "cannot find this program's executable at \(Self.executable) to start workers")
            listener.close()
            throw failure
        }
        Signals.setMask(blocking: Signals.masterSignals)
        Signals.ignoreStray()
        for number in Signals.masterSignals { signal(number, SIG_DFL) }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            let failure = ServerError.system(.workers, "cannot create the readiness pipe")
            listener.close()
            throw failure
        }
        // Above the descriptors a worker's are moved to (0 and 3), close-on-exec, never blocking.
        var moved = [Int32]()
        for fd in ends {
            moved.append(fcntl(fd, F_DUPFD_CLOEXEC, Int32(10)))
            close(fd)
        }
        guard moved.allSatisfy({ $0 >= 0 }) else {
            let failure = ServerError.system(.workers, "cannot set up the readiness pipe")
            listener.close()
            throw failure
        }
        readiness = (moved[0], moved[1])
        for fd in moved { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        defer {
            close(readiness.read)
            close(readiness.write)
        }
        listener.setAcceptTimeout(milliseconds: Self.acceptTimeoutMilliseconds)
        // Swift's crash handler suspends a crashed process for a second or more (several under load)
        // while it prints a backtrace; a worker that aborts (libfcgi on a hostile record) would
        // hold its connections and be replaced only then. Workers die at once instead, the master
        // logs the signal, and a core dump (where enabled) keeps what a backtrace would show. An
        // operator who sets SWIFT_BACKTRACE keeps their setting.
        setenv("SWIFT_BACKTRACE", "enable=no", 0)

        startDueWorkers()
        Lifecycle.log(.started) {
            $0.field("listener", listener.description)
            $0.field("pid", Int(getpid()))
            $0.field("workers", workers)
            $0.field("threads", threads)
        }
        // The master's start-up (the configuration read, a flow built to prove it) is over, and from
        // here it only waits for signals and starts workers: the code it ran goes back.
        ResidentCode.release()

        while true {
            let received = Signals.wait(for: Signals.masterSignals, milliseconds: millisecondsToNextTask())
            switch received {
            case let number? where number == SIGTERM || number == SIGINT:
                if stopDeadline == nil {
                    beginStop(signal: number)
                } else {
                    try killRemaining("a second \(Signals.name(number))")
                }
            case SIGHUP?:
                if stopDeadline == nil { requestReload() }
            default:
                break  // SIGCHLD, SIGUSR2 or the next task's time: looked at below, every time.
            }
            // Readiness first: a worker that said it was ready and then died at once (the first
            // record it read made libfcgi abort) is replaced at once, not paused like a startup failure.
            readReadiness()
            reap()
            if let stopDeadline {
                if running.isEmpty { break }
                if MonotonicClock.microseconds() >= stopDeadline { try killRemaining("the grace period ran out") }
            } else {
                startDueWorkers()
                retireOldGenerations()
                if reloadPending && !reloadStarting {
                    reloadPending = false
                    reloadService()
                    startDueWorkers()
                }
            }
        }
        listener.close()
        Lifecycle.log(.stopped)
    }

    // MARK: Workers

    private func startDueWorkers() {
        let now = MonotonicClock.microseconds()
        for slot in slots.indices {
            guard let startAt = slots[slot].startAt, startAt <= now else { continue }
            slots[slot].startAt = nil
            startWorker(slot: slot)
        }
    }

    private func startWorker(slot: Int) {
        // Everything the child needs is made before the fork: after it, the child only calls
        // async-signal-safe functions.
        let arguments = [CommandLine.arguments.first ?? "hubspot-install"] + workerArguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let listenFD = listener.fd
        let pipeFD = readiness.write
        let dataLimit = Self.workerDataLimit(threads: threads)
        let pid = argv.withUnsafeMutableBufferPointer { argv in
            Self.executable.withCString { executable in
                let pid = fork()
                if pid == 0 {
                    // dup2 clears close-on-exec on the copy, but not when both numbers are equal.
                    if dup2(listenFD, WorkerProcess.listenerDescriptor) < 0
                        || fcntl(WorkerProcess.listenerDescriptor, F_SETFD, 0) < 0
                        || dup2(pipeFD, WorkerProcess.readinessDescriptor) < 0
                    {
                        _exit(126)
                    }
                    // Lowered only: a limit the operator set lower stays. A failure (a seccomp
                    // filter that forbids it) leaves the worker unlimited, as before.
                    var limit = dataLimit
                    _ = setrlimit(__rlimit_resource_t(RLIMIT_DATA.rawValue), &limit)
                    execve(executable, argv.baseAddress!, environ)
                    _exit(127)
                }
                return pid
            }
        }
        guard pid > 0 else {
            let reason = String(cString: strerror(errno))
            let delay = slots[slot].backoff.delay(afterDeathWhenReady: false)
            slots[slot].startAt = MonotonicClock.microseconds() + delay
            Lifecycle.log(.forkFailed) {
                $0.field("slot", slot)
                $0.field("error", reason)
                $0.field("delay_ms", Int(delay / 1000))
            }
            return
        }
        running[pid] = WorkerRecord(slot: slot, generation: generation, started: MonotonicClock.microseconds())
        Lifecycle.log(.workerStarted) {
            $0.field("pid", Int(pid))
            $0.field("slot", slot)
            $0.field("generation", generation)
        }
    }

    /// Collects every worker that ended (SIGCHLD coalesces: one signal may stand for several).
    private func reap() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            guard let record = running.removeValue(forKey: pid) else { continue }
            let lived = MonotonicClock.microseconds() - record.started
            // The W* macros are not visible from Swift: the low 7 bits are the signal, 0 for an exit.
            let signalNumber = status & 0x7f
            let expected = record.retiring || stopDeadline != nil
            Lifecycle.log(.workerExited) {
                $0.field("pid", Int(pid))
                $0.field("slot", record.slot)
                $0.field("generation", record.generation)
                if signalNumber == 0 {
                    $0.field("exit_status", Int((status >> 8) & 0xff))
                } else {
                    $0.field("signal", Signals.name(signalNumber))
                }
                $0.field("uptime_ms", Int(lived / 1000))
                $0.field("expected", expected ? "yes" : "no")
            }
            guard !expected, record.generation == generation else { continue }
            let delay = slots[record.slot].backoff.delay(afterDeathWhenReady: record.ready)
            slots[record.slot].startAt = MonotonicClock.microseconds() + delay
            if delay > 0 {
                Lifecycle.log(.workerBackoff) {
                    $0.field("slot", record.slot)
                    $0.field("delay_ms", Int(delay / 1000))
                    $0.field("quick_deaths", slots[record.slot].backoff.quickDeaths)
                }
            }
        }
    }

    /// The pids ready workers wrote into the pipe; an unknown pid (one that has died since) is
    /// skipped.
    private func readReadiness() {
        var buffer = [Int32](repeating: 0, count: 64)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readiness.read, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            for pid in buffer.prefix(count / MemoryLayout<Int32>.size) {
                guard var record = running[pid], !record.ready else { continue }
                record.ready = true
                running[pid] = record
                if record.generation == generation { slots[record.slot].backoff.reset() }
                Lifecycle.log(.workerReady) {
                    $0.field("pid", Int(pid))
                    $0.field("slot", record.slot)
                    $0.field("generation", record.generation)
                }
            }
        }
    }

    // MARK: Reload and stop

    /// One reload at a time. A SIGHUP while one is under way is remembered, once however many
    /// arrive, and served when that one is done: a storm of SIGHUPs costs a reload every second or
    /// so, never a new set of workers for each signal.
    private func requestReload() {
        if reloadStarting {
            reloadPending = true
        } else {
            reloadService()
        }
    }

    /// From SIGHUP until the new generation is ready and every worker it replaced has exited (an
    /// idle one within the accept timeout), or the patience has run out.
    private var reloadStarting: Bool {
        guard let reloadBegan, MonotonicClock.microseconds() - reloadBegan < Self.reloadPatience else {
            return false
        }
        let ready = running.values.filter { $0.generation == generation && $0.ready }.count
        return ready < workers || running.values.contains { $0.generation < generation }
    }

    private func reloadService() {
        switch reload() {
        case .failure(let refusal):
            Lifecycle.log(.reloadRefused) {
                $0.field("generation", generation)
                $0.field("problems", refusal.problems)
            }
        case .success(let next):
            checked = next
            generation += 1
            reloadBegan = MonotonicClock.microseconds()
            slots = Array(repeating: Slot(), count: workers)
            Lifecycle.log(.reloading) {
                $0.field("generation", generation)
                if !next.warnings.isEmpty { $0.field("warnings", next.warnings) }
            }
        }
    }

    /// Once every worker of the current generation is ready, the older ones stop accepting and
    /// finish their requests: connections that arrive meanwhile go to a new worker or wait in the
    /// socket's queue, so none fails. Until then the old generation keeps serving alone.
    private func retireOldGenerations() {
        let old = running.filter { $0.value.generation < generation && !$0.value.retiring }
        guard !old.isEmpty else { return }
        let ready = running.values.filter { $0.generation == generation && $0.ready }.count
        guard ready == workers else { return }
        for (pid, var record) in old {
            record.retiring = true
            running[pid] = record
            kill(pid, SIGTERM)
        }
        Lifecycle.log(.reloaded) {
            $0.field("generation", generation)
            $0.field("retired", old.keys.sorted().map { String($0) })
        }
    }

    private func beginStop(signal: Int32) {
        Lifecycle.log(.stopping) { $0.field("signal", Signals.name(signal)) }
        for (pid, var record) in running {
            record.retiring = true
            running[pid] = record
            kill(pid, SIGTERM)
        }
        // The workers' own grace, plus the accept timeout their idle threads take to notice.
        let grace = checked.shutdownGrace + Double(Self.acceptTimeoutMilliseconds) / 1000 + 1
        stopDeadline = MonotonicClock.microseconds() + Int64(grace * 1_000_000)
    }

    private func killRemaining(_ why: String) throws(ServerError) {
        let remaining = running.count
        for pid in running.keys { kill(pid, SIGKILL) }
        for pid in running.keys {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        running.removeAll()
        listener.close()
        throw ServerError(.shutdown, "stopped with \(remaining) worker(s) still busy (\(why))")
    }

    /// A worker's data size limit (RLIMIT_DATA, soft): 256 MiB plus 16 MiB a thread (its stack and
    /// its share of malloc's arenas), where a worker needs about 45 MB with four threads. libfcgi
    /// allocates each parameter whole before the responder can refuse a request that is too large:
    /// a local peer announcing a value of hundreds of MiB makes that allocation fail, and the
    /// worker dies and is replaced, instead of growing until the host runs out of memory. The
    /// hooks a worker starts inherit the limit.
    static func workerDataLimit(threads: Int) -> rlimit {
        var current = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_DATA.rawValue), &current) == 0 else {
            return rlimit(rlim_cur: rlim_t.max, rlim_max: rlim_t.max)
        }
        let wanted = rlim_t(256 + 16 * min(max(threads, 1), 65_536)) << 20
        return rlimit(rlim_cur: min(current.rlim_cur, current.rlim_max, wanted), rlim_max: current.rlim_max)
    }

    // MARK: Time

    /// Until the next slot is due or the stop deadline; at most a few seconds, at least 1 ms.
    private func millisecondsToNextTask() -> Int {
        let now = MonotonicClock.microseconds()
        var next = now + 5_000_000
        if let stopDeadline { next = min(next, stopDeadline) }
        if stopDeadline == nil {
            for slot in slots { if let startAt = slot.startAt { next = min(next, startAt) } }
            if reloadPending, let reloadBegan { next = min(next, reloadBegan + Self.reloadPatience) }
        }
        return Int(max(1, (next - now + 999) / 1000))
    }
}
