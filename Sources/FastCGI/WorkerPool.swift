internal import CFastCGI
internal import Glibc
import InstallFlow
import Synchronization

/// What the threads of one worker process share: the listening socket, the flow, and the stop flag.
final class WorkerPool: Sendable {
    let listenFD: Int32
    /// The listening socket's accept timeout is inherited by TCP connections accepted from it (not
    /// by unix ones): such a connection gets it cleared, so a slow request body is not cut short.
    let clearsReceiveTimeout: Bool
    let respond: Service.Respond
    let log: Service.Log
    let stopping = Atomic<Bool>(false)
    let finishedThreads = Atomic<Int>(0)

    init(listenFD: Int32, clearsReceiveTimeout: Bool, service: Service) {
        self.listenFD = listenFD
        self.clearsReceiveTimeout = clearsReceiveTimeout
        self.respond = service.respond
        self.log = service.log
    }

    /// One thread's loop: accept, answer, finish, log; until the pool stops.
    func work() {
        // libfcgi keeps pointers to the request inside its streams: it must not move.
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        request.initialize(to: FCGX_Request())
        defer {
            FCGX_Free(request, 1)
            request.deinitialize(count: 1)
            request.deallocate()
        }
        guard FCGX_InitRequest(request, listenFD, 0) == 0 else {
            StandardError.write(line: "hubspot-install: cannot initialize a FastCGI request; thread not started")
            return
        }
        var failures = 0
        while true {
            let accepted = FCGX_Accept_r(request)
            if stopping.load(ordering: .acquiring) {
                // A connection accepted just before the stop is still answered.
                if accepted >= 0 {
                    if clearsReceiveTimeout { Listener.clearReceiveTimeout(request.pointee.ipcFd) }
                    answer(request)
                }
                FCGX_Finish_r(request)
                return
            }
            guard accepted >= 0 else {
                failures = Self.acceptFailed(code: accepted, failures: failures)
                continue
            }
            failures = 0
            if clearsReceiveTimeout { Listener.clearReceiveTimeout(request.pointee.ipcFd) }
            answer(request)
        }
    }

    private func answer(_ request: UnsafeMutablePointer<FCGX_Request>) {
        let started = MonotonicClock.microseconds()
        let response: Response
        if let (parsed, contentLength) = Parameters.readRequest(request.pointee.envp, limit: Parameters.requestLimit) {
            response = respond(parsed)
            RequestBody.discard(from: request.pointee.in, contentLength: contentLength)
        } else {
            response = .requestTooLarge()
        }
        let bytes = response.serialized()
        // One write: the response leaves in as few records as libfcgi's buffer allows. A failure
        // here is a client that went away (EPIPE); SIGPIPE is ignored, and there is no one to tell.
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = FCGX_PutStr(chars.baseAddress, Int32(chars.count), request.pointee.out)
            }
        }
        // Logged before the response is flushed: a client that sends its next request only after
        // reading this answer then always finds this line first, whichever thread answers next.
        log(response, MonotonicClock.microseconds() - started)
        FCGX_Finish_r(request)
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
