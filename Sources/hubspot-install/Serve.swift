import FastCGI
import InstallFlow
import ResponderCommandLine

/// `serve`: the master, which owns the socket and keeps the workers, or (`--worker`) one worker.
/// What each option does is in its help (HelpText).
struct Serve {
    let options: ServeOptions

    func run(environment: [String: String]) throws {
        if options.worker { try runWorker(environment: environment) }
        // CGI mode never gets here: it is decided before the arguments are parsed (CGIProgram).
        // Nothing to serve on is a usage error found before anything is read or started (the token
        // program's check creates the token database); the sockets named are created only once
        // the configuration has proved good.
        var inherited: Listener?
        if options.socket == nil && options.listen == nil {
            inherited = try Listener.inherited(environment: environment)
            if inherited == nil { throw Self.noSocket }
        }
        let config = options.config
        let configuration = try Startup.configuration(environment: environment, file: config, printWarnings: true)
        let threads = options.threads ?? Master.defaultThreadCount()
        _ = try Startup.responder(configuration, threads: threads)

        // Access-log lines are queued; whatever way this ends, they are written before exit.
        defer { StandardError.flush() }
        let listener: Listener
        if let socket = options.socket {
            listener = try Listener.unixSocket(path: socket)
        } else if let listen = options.listen {
            listener = try Listener.tcp(listen)
        } else if let inherited {
            listener = inherited
        } else {
            throw Self.noSocket
        }
        // The responder built above has served its purpose: it proved the configuration, keys,
        // templates and hook good. Each worker builds its own.
        let master = Master(
            listener: listener, workers: options.workers ?? Master.defaultWorkerCount, threads: threads,
            workerArguments: ["serve", "--worker", "--threads", String(threads)]
                + (config.map { ["--config", $0] } ?? []),
            configuration: Self.checked(configuration),
            reload: { Self.reloaded(environment: environment, file: config, threads: threads) })
        try master.run()
    }

    /// Neither `--socket` nor `--listen`, and no socket inherited from a supervisor.
    static let noSocket = UsageError(
        .refused(
            "no socket to serve: pass --socket PATH or --listen ADDRESS:PORT, or start under spawn-fcgi or "
                + "systemd"),
        in: .serve)

    /// A worker: the same configuration read again, the flow built, served on the master's socket.
    private func runWorker(environment: [String: String]) throws -> Never {
        guard WorkerProcess.hasMastersDescriptors() else {
            throw UsageError(.refused("--worker is for the processes serve starts itself"), in: .serve)
        }
        let configuration = try Startup.configuration(
            environment: environment, file: options.config, printWarnings: false)
        let threadCount = options.threads ?? Master.defaultThreadCount()
        let responder = try Startup.responder(configuration, threads: threadCount)
        let service = Service(
            respond: { responder.respond(to: $0) }, log: Startup.logRequest,
            shutdownGrace: Self.shutdownGrace(configuration))
        WorkerProcess.run(threads: threadCount, service: service)
    }

    /// In-flight hooks get their timeout and 5 s more to finish when a worker is told to stop.
    private static func shutdownGrace(_ configuration: Configuration) -> Double { configuration.hookTimeout + 5 }

    private static func checked(_ configuration: Configuration) -> CheckedConfiguration {
        CheckedConfiguration(
            shutdownGrace: shutdownGrace(configuration), warnings: configuration.warnings.map(\.description))
    }

    /// SIGHUP: the configuration, keys and templates read again exactly as at start (the
    /// environment, then the file) and a flow built from them, as each new worker will; or every
    /// problem.
    private static func reloaded(environment: [String: String], file: String?, threads: Int)
        -> Result<CheckedConfiguration, ReloadRefusal>
    {
        do {
            let configuration = try Startup.load(environment: environment, file: file)
            _ = try InstallResponder(configuration: configuration, hook: Startup.hook(configuration), threads: threads)
            return .success(checked(configuration))
        } catch {
            return .failure(ReloadRefusal(problems: error.problems.map(\.description)))
        }
    }
}
