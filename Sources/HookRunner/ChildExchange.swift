import Glibc

/// The watch over one running child: feeds its stdin, drains its outputs, enforces the deadline
/// and reaps it on every path, so no run leaves a zombie or a descriptor behind.
struct ChildExchange {
    private let pid: pid_t
    private let deadline: ContinuousClock.Instant
    private let descriptors: OwnedDescriptors
    private var unsent: ArraySlice<UInt8>
    private var stdin: Int32?
    private var stdout: Int32?
    private var stderr: Int32?
    private var stdoutBytes = BoundedOutput(limit: ChildProcess.outputLimit)
    private var stderrBytes = BoundedOutput(limit: ChildProcess.outputLimit)
    private var chunk = [UInt8](repeating: 0, count: ChildProcess.outputLimit)

    /// Longest sleep between checks on the child. With no SIGCHLD handler (it would be process-wide
    /// state) an exit is only noticed by `waitpid(WNOHANG)`, and when a grandchild still holds the
    /// pipes, no pipe event announces it; the check interval grows from 1 ms up to this.
    private static let longestCheckInterval = 64

    /// What a child that has exited can still have in a pipe: 16 reads of 64 KiB covers the largest
    /// pipe an unprivileged process can ask for (`/proc/sys/fs/pipe-max-size`, 1 MiB by default)
    /// and bounds the drain when a grandchild keeps writing.
    private static let drainReads = 16

    init(
        pid: pid_t, deadline: ContinuousClock.Instant, input: [UInt8], descriptors: OwnedDescriptors,
        stdin: Int32, stdout: Int32, stderr: Int32
    ) {
        self.pid = pid
        self.deadline = deadline
        self.descriptors = descriptors
        self.unsent = input[...]
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
    }

    mutating func run() throws(ChildProcess.Failure) -> ChildProcess.Result {
        let pipeSignals = PipeSignalBlock()
        defer { pipeSignals.restore() }
        if unsent.isEmpty { closeStdin() }

        var checkInterval = 1
        while true {
            if let status = try reapIfExited() {
                // Whatever the child wrote is in the pipes now; a grandchild holding them open
                // must not keep the hook's answer waiting.
                drainAfterExit()
                return result(ChildProcess.termination(fromWaitStatus: status))
            }
            let remaining = deadline - .now
            if remaining <= .zero {
                killGroupAndReap()
                drainAfterExit()
                return result(.timedOut)
            }

            var watched: [pollfd] = []
            if let stdin { watched.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
            for output in [stdout, stderr] {
                if let output { watched.append(pollfd(fd: output, events: Int16(POLLIN), revents: 0)) }
            }
            let remainingMilliseconds = Int((remaining / .milliseconds(1)).rounded(.up))
            let wait = Int32(min(remainingMilliseconds, checkInterval))
            let ready = poll(&watched, nfds_t(watched.count), wait)
            if ready < 0 {
                let failure = errno
                if failure == EINTR { continue }
                killGroupAndReap()
                throw ChildProcess.Failure(operation: "poll", errno: failure)
            }
            if ready == 0 {
                checkInterval = min(checkInterval * 2, Self.longestCheckInterval)
                continue
            }
            for entry in watched where entry.revents != 0 {
                if entry.fd == stdin {
                    writeSome(pipeSignals)
                } else {
                    readSome(entry.fd)
                }
            }
        }
    }

    private func result(_ termination: ChildProcess.Termination) -> ChildProcess.Result {
        ChildProcess.Result(termination: termination, stdout: stdoutBytes, stderr: stderrBytes)
    }

    /// The raw wait status once the child has exited, without blocking.
    private func reapIfExited() throws(ChildProcess.Failure) -> Int32? {
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return status }
            if reaped == 0 { return nil }
            let failure = errno
            if failure == EINTR { continue }
            // ECHILD: someone else reaped it (the responder must not ignore SIGCHLD); the group id
            // may already belong to strangers, so nothing is killed.
            throw ChildProcess.Failure(operation: "waitpid", errno: failure)
        }
    }

    /// The group id is the child's pid, and the unreaped child keeps that id from being reused,
    /// so the kill reaches the hook and everything it started that stayed in its group.
    private func killGroupAndReap() {
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    private mutating func writeSome(_ pipeSignals: PipeSignalBlock) {
        guard let stdin else { return }
        let written = unsent.withUnsafeBytes { write(stdin, $0.baseAddress, $0.count) }
        if written >= 0 {
            unsent = unsent.dropFirst(written)
            if unsent.isEmpty { closeStdin() }
            return
        }
        switch errno {
        case EINTR, EAGAIN: return
        case EPIPE:
            // The hook closed its stdin early; that is its business, and its exit status says how it went.
            pipeSignals.consumePending()
            closeStdin()
        default: closeStdin()
        }
    }

    /// One read per readiness report, so neither output can starve the other or the deadline.
    private mutating func readSome(_ fd: Int32) {
        switch readChunk(fd) {
        case .data(let count): keep(count, from: fd)
        case .end: closeOutput(fd)
        case .wouldBlock: break
        }
    }

    private mutating func drainAfterExit() {
        for output in [stdout, stderr] {
            guard let output else { continue }
            draining: for _ in 0..<Self.drainReads {
                switch readChunk(output) {
                case .data(let count): keep(count, from: output)
                case .end:
                    closeOutput(output)
                    break draining
                case .wouldBlock: break draining
                }
            }
        }
    }

    private enum ReadResult {
        case data(Int)
        /// End of file, or an error that will not go away: either way the pipe is done.
        case end
        case wouldBlock
    }

    private mutating func readChunk(_ fd: Int32) -> ReadResult {
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 { return .data(count) }
            if count == 0 { return .end }
            switch errno {
            case EINTR: continue
            case EAGAIN: return .wouldBlock
            default: return .end
            }
        }
    }

    private mutating func keep(_ count: Int, from fd: Int32) {
        chunk.withUnsafeBytes { bytes in
            let piece = UnsafeRawBufferPointer(rebasing: bytes[..<count])
            if fd == stdout { stdoutBytes.append(piece) } else { stderrBytes.append(piece) }
        }
    }

    private mutating func closeStdin() {
        if let stdin { descriptors.close(stdin) }
        stdin = nil
    }

    private mutating func closeOutput(_ fd: Int32) {
        descriptors.close(fd)
        if fd == stdout { stdout = nil } else if fd == stderr { stderr = nil }
    }
}
