import ArgumentParser
import FastCGI
import InstallFlow

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the FastCGI responder (the default command).",
        discussion: """
            With neither --socket nor --listen it serves the socket it inherited: fd 0 (spawn-fcgi, \
            mod_fcgid, systemd StandardInput=socket) or systemd's LISTEN_FDS. Started by a web server \
            as a CGI program (GATEWAY_INTERFACE set) it answers that one request and exits.
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
        let environment = Parameters.processEnvironment()
        let isCGI = socket == nil && listen == nil && CGIResponder.isCGIInvocation(environment: environment)
        // A CGI program's environment is also the request: none of it may reach the configuration
        // (and through it a hook's environment).
        let settings = isCGI ? CGIResponder.environmentWithoutRequest(environment) : environment
        let configuration = try Startup.configuration(environment: settings, file: config, printWarnings: !isCGI)
        let responder = try Startup.responder(configuration)
        let respond: @Sendable (Request) -> Response = { responder.respond(to: $0) }

        // Access-log lines are queued; whatever way this ends, they are written before exit.
        defer { StandardError.flush() }
        if isCGI {
            CGIResponder.answerOne(environment: environment, respond: respond, log: Startup.logRequest)
            return
        }
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
            listener: listener, threads: threads ?? FastCGIServer.defaultThreadCount(),
            shutdownGrace: configuration.hookTimeout + 5, respond: respond, log: Startup.logRequest)
        try server.run()
    }
}
