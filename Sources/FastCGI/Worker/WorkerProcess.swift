internal import CFastCGI
internal import Glibc
import InstallFlow
import Synchronization

/// One worker process, started by the master (`serve --worker`): the listening socket on fd 0,
/// the master's readiness pipe on fd 3, libfcgi initialised here (never in the master), `threads`
/// threads accepting on the shared socket, and a main thread that waits for the master's SIGTERM,
/// then lets the requests in flight finish and exits.
///
/// Each thread owns its `FCGX_Request` and calls `FCGX_Accept_r` on the shared socket; there is no
/// accept mutex (the kernel hands each connection to one waiting thread).
package struct WorkerProcess {
    let listener: Listener
    let threads: Int
    let service: Service
    let masterPID: pid_t

    /// Where the master puts the listening socket and its readiness pipe for the worker it starts.
    static let listenerDescriptor: Int32 = 0
    static let readinessDescriptor: Int32 = 3

    /// How often the main thread looks up from waiting for SIGTERM to check that its master still
    /// exists: a master killed outright leaves no one to stop the workers.
    static let parentCheckMilliseconds = 250

    /// Whether this process was started by a master as its worker: the socket on fd 0, the pipe on
    /// fd 3 (anything else is a mistake, reported by `run`).
    package static func hasMastersDescriptors() -> Bool {
        Listener.isListeningSocket(listenerDescriptor) && fcntl(readinessDescriptor, F_GETFD) >= 0
    }

    /// Serves as the worker of the process that started it, and ends this process with its exit
    /// status.
    package static func run(threads: Int, service: Service) -> Never {
        for fd in [listenerDescriptor, readinessDescriptor] { Descriptor.setCloseOnExec(fd) }
        let worker = WorkerProcess(
            listener: Listener.worker(fd: listenerDescriptor), threads: max(1, threads), service: service,
            masterPID: getppid())
        let status = worker.serve()
        StandardError.flush()
        exit(status)
    }

    private func serve() -> Int32 {
        // The master's mask and ignored signals came along through exec. Strays are ignored before
        // the mask opens, so one sent before this point cannot end the worker.
        Signals.ignoreStray()
        signal(SIGINT, SIG_IGN)
        Signals.setMask(blocking: Signals.workerSignals)
        let initialized = FCGX_Init()
        // FCGX_Init installs handlers for SIGUSR1 and SIGTERM that set libfcgi's shutdown flag,
        // after which every accept fails at once. Every disposition is decided again here.
        Signals.ignoreStray()
        signal(SIGINT, SIG_IGN)
        Signals.resetToDefault(Signals.workerSignals)
        guard initialized == 0 else {
            failed("libfcgi failed to initialize (\(initialized))")
            return 1
        }

        // Start-up is over: the code only it ran goes back (before any thread could need a page).
        ResidentCode.release()
        let pool = WorkerPool(listenFD: listener.fd, service: service)
        var handles = [pthread_t]()
        for _ in 0..<threads {
            var handle = pthread_t()
            let context = Unmanaged.passRetained(pool).toOpaque()
            let created = pthread_create(&handle, nil, workerThreadEntry, context)
            guard created == 0 else {
                Unmanaged<WorkerPool>.fromOpaque(context).release()
                stopAccepting(pool)
                for started in handles { pthread_join(started, nil) }
                failed("cannot start thread \(handles.count + 1) of \(threads): \(String(cString: strerror(created)))")
                return 1
            }
            handles.append(handle)
        }
        announceReady()
        pool.accepting.store(true, ordering: .releasing)

        while Signals.wait(for: Signals.workerSignals, milliseconds: Self.parentCheckMilliseconds) == nil {
            if getppid() != masterPID {
                Lifecycle.log(.workerOrphaned) { $0.field("pid", Int(getpid())) }
                break
            }
        }
        stopAccepting(pool)

        // Threads blocked in accept see the stop within the accept timeout; threads answering a
        // request (a hook can take its whole timeout) finish it first. A second SIGTERM gives up.
        let deadline = MonotonicClock.microseconds() + Int64(service.shutdownGrace * 1_000_000)
        while pool.finishedThreads.load(ordering: .acquiring) < handles.count {
            if MonotonicClock.microseconds() >= deadline
                || Signals.wait(for: Signals.workerSignals, milliseconds: 20) != nil
            {
                let busy = handles.count - pool.finishedThreads.load(ordering: .acquiring)
                Lifecycle.log(.workerOverdue) {
                    $0.field("pid", Int(getpid()))
                    $0.field("busy_threads", busy)
                }
                return 1
            }
        }
        for handle in handles { pthread_join(handle, nil) }
        return 0
    }

    /// Tells the master this worker accepts: its pid into the pipe (one write of 4 bytes, which a
    /// pipe never splits or interleaves with another worker's), then SIGUSR2 to wake the master.
    private func announceReady() {
        var pid = getpid()
        _ = withUnsafeBytes(of: &pid) { write(Self.readinessDescriptor, $0.baseAddress, $0.count) }
        close(Self.readinessDescriptor)
        if getppid() == masterPID { kill(masterPID, SIGUSR2) }
    }

    private func failed(_ error: String) {
        Lifecycle.log(.workerFailed) {
            $0.field("pid", Int(getpid()))
            $0.field("error", error)
        }
    }

    /// Threads blocked in accept notice at the next accept timeout: the socket is shared, so it is
    /// never shut down to wake them (see `Listener.setAcceptTimeout`).
    private func stopAccepting(_ pool: WorkerPool) {
        pool.stopping.store(true, ordering: .releasing)
        FCGX_ShutdownPending()
    }
}

/// The threads' entry point: plain nonisolated code, never a closure written in `main` (which
/// Swift 6 would treat as main-actor code and trap on another thread).
private func workerThreadEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let pool = Unmanaged<WorkerPool>.fromOpaque(context!).takeRetainedValue()
    pool.work()
    pool.finishedThreads.add(1, ordering: .releasing)
    return nil
}
