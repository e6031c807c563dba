import FastCGI
internal import Glibc
import InstallFlow

/// The binary started by a web server as a plain CGI program: it answers the one request in its
/// environment and exits.
///
/// Its command line is never read. A CGI server turns a query without `=` into arguments
/// (`/?--socket+/tmp/x` runs `hubspot-install --socket /tmp/x`), and Apache shell-escapes each
/// word on the way, so no filter can tell the visitor's words from a wrapper's: everything the
/// program needs comes from the environment, the file named by `HUBSPOT_INSTALL_CONFIG` included.
/// No argument parsing happens on this path either, which keeps each request's start cheap.
enum CGIProgram {
    /// Exit status: 0 once the request is answered, 1 when the configuration is bad (every
    /// problem on stderr, nothing on stdout: the web server answers 500).
    static func run(environment: [String: String]) -> Int32 {
        StandardError.flushOnlyAtExit()
        defer { StandardError.flush() }
        // A web server that gave up on the request (the visitor left, its timeout) closes the pipe
        // the answer goes to: the write fails with EPIPE instead of SIGPIPE ending the process, and
        // the request is still logged, a finished install's included. A hook gets every signal's
        // default back (ChildProcess).
        signal(SIGPIPE, SIG_IGN)
        // The environment is also the request: none of it may reach the configuration (and
        // through it a hook's environment).
        let settings = CGIResponder.environmentWithoutRequest(environment)
        let responder: InstallResponder
        do {
            let configuration = try Startup.load(environment: settings, file: nil)
            // One request per process: one thread, so one hook slot.
            responder = try InstallResponder(
                configuration: configuration, hook: Startup.hook(configuration), threads: 1)
        } catch {
            Startup.report(error)
            return 1
        }
        CGIResponder.answerOne(
            environment: environment, respond: { responder.respond(to: $0) }, log: Startup.logRequest)
        return 0
    }
}
