internal import CFastCGI
internal import Glibc
package import InstallFlow
import Synchronization

/// The FastCGI responder: worker threads accepting on one listening socket, a main thread that
/// waits for SIGTERM/SIGINT and then lets in-flight requests finish.
///
/// Each worker owns its `FCGX_Request` and calls `FCGX_Accept_r` on the shared socket; there is no
/// accept mutex (the kernel hands each connection to one waiting thread). `respond` is called on
/// worker threads concurrently; `log` gets each response with its duration in microseconds.
package struct FastCGIServer: Sendable {
    package typealias Respond = @Sendable (Request) -> Response
    package typealias Log = @Sendable (Response, Int64) -> Void

    package let listener: Listener
    package let threads: Int
    /// How long in-flight requests may take to finish after SIGTERM before `run` gives up on them.
    package var shutdownGrace: Double
    let respond: Respond
    let log: Log

    package init(
        listener: Listener, threads: Int, shutdownGrace: Double = 30, respond: @escaping Respond, log: @escaping Log
    ) {
        self.listener = listener
        self.threads = max(1, threads)
        self.shutdownGrace = shutdownGrace
        self.respond = respond
        self.log = log
    }

    /// Two threads per core, at least four: a request mostly waits (on nginx, on the hook).
    package static func defaultThreadCount() -> Int {
        max(4, 2 * Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, waits for in-flight requests (up to
    /// `shutdownGrace`, or a second signal) and returns. Call it on the main thread, once, before any
    /// other thread uses libfcgi.
    package func run() throws(ServerError) {
        Signals.blockTermination()
        let initialized = FCGX_Init()
        guard initialized == 0 else { throw ServerError(.library, "libfcgi failed to initialize (\(initialized))") }
        if !listener.ownsSocket { listener.setAcceptTimeout(milliseconds: Self.inheritedAcceptTimeout) }

        let pool = WorkerPool(listenFD: listener.fd, respond: respond, log: log)
        var handles = [pthread_t]()
        for _ in 0..<threads {
            var handle = pthread_t()
            let context = Unmanaged.passRetained(pool).toOpaque()
            let created = pthread_create(&handle, nil, workerEntry, context)
            guard created == 0 else {
                Unmanaged<WorkerPool>.fromOpaque(context).release()
                stopAccepting(pool)
                for started in handles { pthread_join(started, nil) }
                listener.close()
                throw .system(.threads, "cannot start worker thread \(handles.count + 1) of \(threads)", errno: created)
            }
            handles.append(handle)
        }
        Lifecycle.event("started", listener: listener.description, threads: threads)

        let signal = Signals.waitForTermination()
        Lifecycle.event("stopping", signal: signal)
        stopAccepting(pool)

        let deadline = MonotonicClock.microseconds() + Int64(shutdownGrace * 1_000_000)
        while pool.finishedWorkers.load(ordering: .acquiring) < handles.count {
            if MonotonicClock.microseconds() >= deadline || Signals.waitForTermination(milliseconds: 20) != nil {
                let remaining = handles.count - pool.finishedWorkers.load(ordering: .acquiring)
                listener.close()
                throw ServerError(.shutdown, "stopped with \(remaining) worker(s) still busy")
            }
        }
        for handle in handles { pthread_join(handle, nil) }
        listener.close()
        Lifecycle.event("stopped")
    }

    /// A socket we inherited may be shared (systemd keeps its copy to start us again; spawn-fcgi
    /// siblings accept on it too), so it must not be shut down: its accepts time out instead, and
    /// workers notice the stop within this many milliseconds.
    static let inheritedAcceptTimeout = 500

    /// Wakes every worker blocked in accept: each sees the stop flag and returns.
    private func stopAccepting(_ pool: WorkerPool) {
        pool.stopping.store(true, ordering: .releasing)
        FCGX_ShutdownPending()
        // accept() on a socket we own returns EINVAL at once after shutdown; nobody else uses it.
        if listener.ownsSocket { shutdown(listener.fd, Int32(SHUT_RDWR)) }
    }
}

/// The worker threads' entry point: plain nonisolated code, never a closure written in `main`
/// (which Swift 6 would treat as main-actor code and trap on a worker thread).
private func workerEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let pool = Unmanaged<WorkerPool>.fromOpaque(context!).takeRetainedValue()
    pool.work()
    pool.finishedWorkers.add(1, ordering: .releasing)
    return nil
}
