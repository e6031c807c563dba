import ArgumentParser
import FastCGI
import InstallFlow

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the FastCGI responder (the default command).",
        discussion: """
            With neither --socket nor --listen it serves the socket it inherited: fd 0 (spawn-fcgi, \
            mod_fcgid, systemd StandardInput=socket) or systemd's LISTEN_FDS. Started by a web server \
            as a CGI program (GATEWAY_INTERFACE set) it answers that one request and exits, reading \
            no argument at all.
            A master process owns the socket and keeps --workers worker processes of --threads \
            threads each; a worker that dies is replaced at once (with a growing pause if it dies \
            right after starting).
            SIGTERM or SIGINT: stop accepting, finish the requests in flight, exit 0.
            SIGHUP: read the configuration, keys and templates again; if they are good, new workers \
            start and the old ones finish their requests; if not, every problem is logged and the \
            old workers keep serving. SIGUSR1, SIGUSR2 and SIGPIPE are ignored.
            """
    )

    @Option(help: ArgumentHelp("Create a unix socket at this path (mode 0660) and listen on it.", valueName: "path"))
    var socket: String?

    @Option(
        help: ArgumentHelp(
            "Listen on TCP at ADDRESS:PORT; a port alone means 127.0.0.1.", valueName: "address:port"))
    var listen: String?

    @Option(help: "Worker processes (default: 2).")
    var workers: Int?

    @Option(help: "Threads per worker process (default: two per core, at least 4).")
    var threads: Int?

    @Option(help: ArgumentHelp("Read settings from this KEY=value file; the environment wins.", valueName: "file"))
    var config: String?

    /// Set by the master on the workers it starts (the socket on fd 0, its readiness pipe on fd 3).
    @Flag(help: ArgumentHelp(visibility: .private))
    var worker = false

    func validate() throws {
        if socket != nil && listen != nil {
            throw ValidationError("--socket and --listen exclude each other")
        }
        if let threads, !(1...1024).contains(threads) {
            throw ValidationError("--threads must be between 1 and 1024")
        }
        if let workers, !(1...64).contains(workers) {
            throw ValidationError("--workers must be between 1 and 64")
        }
    }

    func run() throws {
        let environment = Parameters.processEnvironment()
        if worker { try runWorker(environment: environment) }
        // CGI mode never gets here: it is decided before the arguments are parsed (CGIProgram).
        let configuration = try Startup.configuration(environment: environment, file: config, printWarnings: true)
        let threads = threads ?? Master.defaultThreadCount()
        _ = try Startup.responder(configuration, threads: threads)

        // Access-log lines are queued; whatever way this ends, they are written before exit.
        defer { StandardError.flush() }
        let listener: Listener
        if let socket {
            listener = try Listener.unixSocket(path: socket)
        } else if let listen {
            listener = try Listener.tcp(listen)
        } else if let inherited = try Listener.inherited(environment: environment) {
            listener = inherited
        } else {
            throw ValidationError(
                "no socket to serve: pass --socket PATH or --listen ADDRESS:PORT, or start under spawn-fcgi or systemd")
        }
        // The responder built above has served its purpose: it proved the configuration, keys,
        // templates and hook good. Each worker builds its own.
        let master = Master(
            listener: listener, workers: workers ?? Master.defaultWorkerCount, threads: threads,
            workerArguments: ["serve", "--worker", "--threads", String(threads)]
                + (config.map { ["--config", $0] } ?? []),
            configuration: Self.checked(configuration),
            reload: { Self.reloaded(environment: environment, file: config, threads: threads) })
        try master.run()
    }

    /// A worker: the same configuration read again, the flow built, served on the master's socket.
    private func runWorker(environment: [String: String]) throws -> Never {
        guard WorkerProcess.hasMastersDescriptors() else {
            throw ValidationError("--worker is for the processes serve starts itself")
        }
        let configuration = try Startup.configuration(environment: environment, file: config, printWarnings: false)
        let threadCount = threads ?? Master.defaultThreadCount()
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
        let named = environment[Startup.configFileVariable].flatMap { $0.isEmpty ? nil : $0 }
        do {
            let configuration = try Configuration.load(environment: environment, configFile: file ?? named)
            _ = try InstallResponder(configuration: configuration, hook: Startup.hook(configuration), threads: threads)
            return .success(checked(configuration))
        } catch {
            return .failure(ReloadRefusal(problems: error.problems.map(\.description)))
        }
    }
}
