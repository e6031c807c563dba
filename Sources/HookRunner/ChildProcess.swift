import Glibc

/// One run of a program: spawned without a shell, fed its stdin, drained and, whatever happens, reaped.
///
/// It is called from many worker threads at once, so it keeps no state outside its own stack frame:
/// no SIGCHLD handler, no shared reaper, only `poll` on its own pipes and `waitpid` on its own pid.
/// The child starts in a process group of its own, so a timeout kills everything it started.
struct ChildProcess {
    /// How the run ended.
    enum Termination {
        case exited(status: Int32)
        case killed(signal: Int32)
        /// The deadline passed; the child's process group was killed and the child reaped.
        case timedOut
    }

    /// What came back from a run.
    struct Result {
        var termination: Termination
        var stdout: BoundedOutput
        var stderr: BoundedOutput
    }

    /// The program could not be started (or the run could not be watched); nothing is left running.
    struct Failure: Error, CustomStringConvertible {
        /// The system call that failed, for the log line.
        var operation: String
        var errno: Int32

        var description: String { "\(operation) failed with \(ErrnoName.of(errno))" }
    }

    /// Each output keeps at most this much: enough for a JSON answer and a useful stderr excerpt,
    /// small enough that a chatty hook cannot make a worker grow.
    static let outputLimit = 64 * 1024

    /// Runs `path` with `argv` = `[path] + arguments` and exactly `environment` (`NAME=value` entries), writes all
    /// of `input` to its stdin and closes it, and collects stdout and stderr until it exits or
    /// `timeout` passes.
    static func run(
        path: String, arguments: [String] = [], environment: [String], input: [UInt8], timeout: Duration
    ) throws(Failure) -> Result {
        let deadline = ContinuousClock.now + timeout
        let descriptors = OwnedDescriptors()
        defer { descriptors.closeAll() }

        let stdin = try descriptors.makePipe()
        let stdout = try descriptors.makePipe()
        let stderr = try descriptors.makePipe()
        for parentEnd in [stdin.write, stdout.read, stderr.read] { try descriptors.setNonBlocking(parentEnd) }

        let pid = try spawn(
            path: path, arguments: arguments, environment: environment,
            stdin: stdin.read, stdout: stdout.write, stderr: stderr.write)
        // The child has its own copies; ours would keep its stdin open and hide EOF on its outputs.
        descriptors.close(stdin.read)
        descriptors.close(stdout.write)
        descriptors.close(stderr.write)

        var exchange = ChildExchange(
            pid: pid, deadline: deadline, input: input, descriptors: descriptors,
            stdin: stdin.write, stdout: stdout.read, stderr: stderr.read)
        return try exchange.run()
    }

    private static func spawn(
        path: String, arguments: [String], environment: [String], stdin: Int32, stdout: Int32, stderr: Int32
    ) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        try check("posix_spawn_file_actions_init", posix_spawn_file_actions_init(&actions))
        defer { posix_spawn_file_actions_destroy(&actions) }
        try check("posix_spawn_file_actions_adddup2", posix_spawn_file_actions_adddup2(&actions, stdin, 0))
        try check("posix_spawn_file_actions_adddup2", posix_spawn_file_actions_adddup2(&actions, stdout, 1))
        try check("posix_spawn_file_actions_adddup2", posix_spawn_file_actions_adddup2(&actions, stderr, 2))
        // The FastCGI listening socket and other requests' connections are not close-on-exec.
        try SpawnCloseFrom.add(to: &actions, from: 3)

        var attributes = posix_spawnattr_t()
        try check("posix_spawnattr_init", posix_spawnattr_init(&attributes))
        defer { posix_spawnattr_destroy(&attributes) }
        // The responder blocks SIGTERM/SIGINT in every thread and may ignore SIGPIPE or SIGHUP; a
        // child inherits a mask and ignored signals across exec, and could then be neither stopped
        // nor told its reader went away. Every signal goes back to its default, not just those four,
        // so no other disposition of the responder's (SIGCHLD ignored would break the hook's own
        // waits) leaks in either.
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        try check("posix_spawnattr_setsigmask", posix_spawnattr_setsigmask(&attributes, &emptyMask))
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        try check("posix_spawnattr_setsigdefault", posix_spawnattr_setsigdefault(&attributes, &everySignal))
        // Process group 0: the child leads a new group whose id is its pid, the target of a timeout kill.
        try check("posix_spawnattr_setpgroup", posix_spawnattr_setpgroup(&attributes, 0))
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        try check("posix_spawnattr_setflags", posix_spawnattr_setflags(&attributes, Int16(flags)))

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        guard !argv.dropLast().contains(nil), !envp.dropLast().contains(nil) else {
            throw Failure(operation: "strdup", errno: ENOMEM)
        }

        var pid: pid_t = 0
        // glibc reports a failed exec (ENOENT, EACCES, ENOEXEC) here and reaps that child itself.
        try check("posix_spawn", posix_spawn(&pid, path, &actions, &attributes, argv, envp))
        return pid
    }

    /// Decodes a `waitpid` status (the W* macros are not visible from Swift). Stops are never
    /// reported, as the wait asks for neither `WUNTRACED` nor `WCONTINUED`.
    static func termination(fromWaitStatus status: Int32) -> Termination {
        let signal = status & 0x7f
        return signal == 0 ? .exited(status: (status >> 8) & 0xff) : .killed(signal: signal)
    }

    /// posix_spawn and its helpers return the error number instead of setting errno.
    private static func check(_ operation: String, _ result: Int32) throws(Failure) {
        if result != 0 { throw Failure(operation: operation, errno: result) }
    }
}
