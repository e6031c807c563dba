internal import Glibc
package import InstallFlow

/// Plain CGI: the web server starts the program once per request, the request in the environment,
/// the answer expected on stdout in the same `Status:`-headers-body form FastCGI uses.
package enum CGIResponder {
    /// True when a web server started us as a CGI program: `GATEWAY_INTERFACE` is set and fd 0 is
    /// not a listening socket. (It may be a connected one: Apache's mod_cgid hands the CGI program
    /// a socket as stdin.)
    package static func isCGIInvocation(environment: [String: String]) -> Bool {
        guard let gateway = environment["GATEWAY_INTERFACE"], !gateway.isEmpty else { return false }
        return !Listener.isListeningSocket(0)
    }

    /// Answers the request described by `environment` on stdout, then logs it (stderr goes to the
    /// web server's error log).
    package static func answerOne(
        environment: [String: String], respond: (Request) -> Response, log: (Response, Int64) -> Void
    ) {
        let started = MonotonicClock.microseconds()
        let response: Response
        if environment.utf8Size <= Parameters.environmentLimit.totalBytes {
            response = respond(Request(parameters: environment))
            RequestBody.discard(fd: 0, contentLength: environment["CONTENT_LENGTH"])
        } else {
            response = .requestTooLarge()
        }
        Descriptor.writeAll(1, response.serialized())
        log(response, MonotonicClock.microseconds() - started)
    }

    /// The request's variables, without the ones the web server uses to describe the request, so a
    /// token hook started from a CGI program inherits nothing of the request (RFC 3875 §4.1 names,
    /// and every `HTTP_*` header).
    package static func environmentWithoutRequest(_ environment: [String: String]) -> [String: String] {
        environment.filter { name, _ in !name.hasPrefix("HTTP_") && !requestVariables.contains(name) }
    }

    static let requestVariables: Set<String> = [
        "AUTH_TYPE", "CONTENT_LENGTH", "CONTENT_TYPE", "GATEWAY_INTERFACE", "PATH_INFO", "PATH_TRANSLATED",
        "QUERY_STRING", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_IDENT", "REMOTE_USER", "REMOTE_PORT",
        "REQUEST_METHOD", "REQUEST_URI", "REQUEST_SCHEME", "SCRIPT_NAME", "SCRIPT_FILENAME", "SCRIPT_URI",
        "SCRIPT_URL", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE", "SERVER_ADDR",
        "SERVER_ADMIN", "SERVER_SIGNATURE", "DOCUMENT_ROOT", "DOCUMENT_URI", "CONTEXT_PREFIX",
        "CONTEXT_DOCUMENT_ROOT", "UNIQUE_ID", "HTTPS", "REDIRECT_STATUS",
    ]
}

extension [String: String] {
    fileprivate var utf8Size: Int {
        reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 2 }
    }
}
