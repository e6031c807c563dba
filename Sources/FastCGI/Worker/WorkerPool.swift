internal import CFastCGI
internal import Glibc
import InstallFlow
import Synchronization

/// What the threads of one worker process share: the listening socket, the flow, and the stop flag.
final class WorkerPool: Sendable {
    let listenFD: Int32
    let respond: Service.Respond
    let log: Service.Log
    let stopping = Atomic<Bool>(false)
    /// Set once the master has been told this worker is ready (see `WorkerProcess.serve`).
    let accepting = Atomic<Bool>(false)
    let finishedThreads = Atomic<Int>(0)

    /// How long libfcgi may wait for each read of a request's start (BEGIN_REQUEST and the
    /// parameters, read inside `FCGX_Accept_r` with no limit of its own). nginx and Apache send
    /// them at once; a peer that connects and stalls is dropped after this, not kept forever.
    static let readTimeoutMilliseconds = 5_000

    /// How long a finished request's connection is drained before it is closed (see
    /// `RequestBody.drainAndClose`): the response has left by then.
    static let drainMilliseconds = 1_000

    init(listenFD: Int32, service: Service) {
        self.listenFD = listenFD
        self.respond = service.respond
        self.log = service.log
    }

    /// One thread's loop: accept, answer, finish, log; until the pool stops.
    ///
    /// The thread accepts each connection itself and gives it to libfcgi already open (libfcgi
    /// reads from a request's open connection instead of accepting), so the read timeout is set
    /// before libfcgi's first read. libfcgi itself is given no listening socket (-1): when it drops
    /// a connection (a protocol error, a read that timed out) it would accept the next one on its
    /// own, without a timeout; on -1 that accept fails at once and the thread comes back here.
    func work() {
        // libfcgi keeps pointers to the request inside its streams: it must not move.
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        request.initialize(to: FCGX_Request())
        defer {
            FCGX_Free(request, 1)
            request.deinitialize(count: 1)
            request.deallocate()
        }
        guard FCGX_InitRequest(request, -1, 0) == 0 else {
            StandardError.write(line: "hubspot-install: cannot initialize a FastCGI request; thread not started")
            return
        }
        // No connection is taken before the master knows this worker is ready: a worker killed by
        // the first record it reads then counts as one that ran, replaced at once, not as one that
        // failed to start (which the master restarts only after a pause).
        while !accepting.load(ordering: .acquiring) && !stopping.load(ordering: .acquiring) { usleep(1_000) }
        var failures = 0
        // A connection accepted just before the stop is still answered; the stop is seen at the
        // next accept timeout at the latest.
        while !stopping.load(ordering: .acquiring) {
            let connection = Listener.accept(on: listenFD)
            guard connection >= 0 else {
                failures = Self.acceptFailed(code: connection, failures: failures)
                continue
            }
            failures = 0
            Listener.setReceiveTimeout(connection, milliseconds: Self.readTimeoutMilliseconds)
            request.pointee.ipcFd = connection
            // `FCGX_Accept_r` starts by finishing the previous request: kept, the new connection
            // survives that. Detached, libfcgi closes it at once when it drops it, instead of
            // waiting for the peer to close first (see `finish`).
            request.pointee.keepConnection = 1
            request.pointee.detached = 1
            // Below zero: libfcgi dropped the connection (closed, ipcFd is -1 again).
            guard FCGX_Accept_r(request) >= 0 else { continue }
            // libfcgi ends the parameters at a failed read (the timeout, a reset) as if they were
            // complete: such a request is dropped unanswered, never served with what came before.
            guard FCGX_GetError(request.pointee.in) == 0 else {
                FCGX_Free(request, 1)
                continue
            }
            answer(request)
        }
    }

    private func answer(_ request: UnsafeMutablePointer<FCGX_Request>) {
        let started = MonotonicClock.microseconds()
        let response: Response
        // No route reads a body: whatever the web server sends after the parameters is drained
        // only after the response has left (`finish`), never before it.
        if let (parsed, _) = Parameters.readRequest(request.pointee.envp, limit: Parameters.requestLimit) {
            response = respond(parsed)
        } else {
            response = .requestTooLarge()
        }
        let bytes = response.serialized()
        // Into libfcgi's buffer; it leaves with the end of the request in one write (`finish`). A
        // failure is a client that went away (EPIPE); SIGPIPE is ignored, and there is no one to tell.
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = FCGX_PutStr(chars.baseAddress, Int32(chars.count), request.pointee.out)
            }
        }
        // Logged before the response leaves: a client that sends its next request only after
        // reading this answer then always finds this line first, whichever thread answers next.
        log(response, MonotonicClock.microseconds() - started)
        finish(request)
    }

    /// Sends the response and the end of the request, then closes the connection after a drain
    /// bounded by `drainMilliseconds`. Each connection serves one request: one whose body was left
    /// unread cannot carry another.
    ///
    /// libfcgi's own close reads until the peer closes, waiting up to 2 s for each read: a client
    /// that trickles a body through the web server would hold the thread for as long as it likes.
    /// So the request is finished as a kept connection: libfcgi writes what it buffered, the end of
    /// the stream and the end of the request in one write and leaves the connection to us for our
    /// bounded drain. When that write failed (the peer is gone) libfcgi closes the connection
    /// itself, plainly (detached), and says so with an `ipcFd` of -1.
    private func finish(_ request: UnsafeMutablePointer<FCGX_Request>) {
        request.pointee.keepConnection = 1
        request.pointee.detached = 1
        FCGX_Finish_r(request)
        let connection = request.pointee.ipcFd
        guard connection >= 0 else { return }
        request.pointee.ipcFd = -1
        let deadline = MonotonicClock.microseconds() + Int64(Self.drainMilliseconds) * 1000
        RequestBody.drainAndClose(connection, deadline: deadline)
    }

    /// A failed accept that is not the stop: a connection reset before we took it or an accept
    /// timeout needs nothing; anything else (out of descriptors, say) is logged and retried after a
    /// pause that grows to a second, so a persistent failure neither spins nor floods the log.
    private static func acceptFailed(code: Int32, failures: Int) -> Int {
        let error = -code
        if error == EAGAIN || error == EWOULDBLOCK || error == EINTR || error == ECONNABORTED { return failures }
        let reason = error > 0 && error < 4096 ? String(cString: strerror(error)) : "libfcgi error \(code)"
        if failures == 0 || failures % 60 == 0 {
            StandardError.write(line: "hubspot-install: accept failed: \(reason); retrying")
        }
        usleep(UInt32(min(1_000_000, 10_000 << min(failures, 7))))
        return failures + 1
    }
}
