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
            SIGTERM or SIGINT: stop accepting, finish the requests in flight, exit 0.
            """
    )

    @Option(help: ArgumentHelp("Create a unix socket at this path (mode 0660) and listen on it.", valueName: "path"))
    var socket: String?

    @Option(
        help: ArgumentHelp(
            "Listen on TCP at ADDRESS:PORT; a port alone means 127.0.0.1.", valueName: "address:port"))
    var listen: String?

    @Option(help: "Worker threads (default: two per core, at least 4).")
    var threads: Int?

    @Option(help: ArgumentHelp("Read settings from this KEY=value file; the environment wins.", valueName: "file"))
    var config: String?

    func validate() throws {
        if socket != nil && listen != nil {
            throw ValidationError("--socket and --listen exclude each other")
        }
        if let threads, !(1...1024).contains(threads) {
            throw ValidationError("--threads must be between 1 and 1024")
        }
    }

    func run() throws {
        // CGI mode never gets here: it is decided before the arguments are parsed (CGIProgram).
        let environment = Parameters.processEnvironment()
        let configuration = try Startup.configuration(environment: environment, file: config, printWarnings: true)
        let threadCount = threads ?? FastCGIServer.defaultThreadCount()
        let responder = try Startup.responder(configuration, threads: threadCount)
        let respond: @Sendable (Request) -> Response = { responder.respond(to: $0) }

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
        let server = FastCGIServer(
            listener: listener, threads: threadCount,
            shutdownGrace: configuration.hookTimeout + 5, respond: respond, log: Startup.logRequest)
        try server.run()
    }
}
