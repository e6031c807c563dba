package import InstallFlow

/// The `exec:PATH` token hook of docs/hooks.md: runs the operator's program once per grant. The
/// built-in hooks are the same protocol run on `hubspot-install-tokens hook ...` (see `HookFactory`).
///
/// The program is started directly (no shell, no arguments), in its own process group, with the
/// grant's JSON on stdin and an environment of `PATH`, `LANG` and the names the operator listed, so
/// nothing of the request (headers, cookie, query) can reach it. It inherits no descriptor but its
/// three pipes. Exit 0 is success; stdout may choose the next redirect (see `HookAnswer`); stderr is
/// logged, truncated, with the code redacted. After `timeout` seconds the whole group is killed.
///
/// Safe to call from many worker threads at once: each call owns its pipes and its child, and
/// waits on nothing shared.
package struct ExecHook: TokenHook {
    /// Absolute path of the program, as configured.
    package let path: String
    /// `argv[1...]`: none for the operator's program; the subcommand for the token program.
    package let arguments: [String]
    /// Seconds the program may take before it and its process group are killed.
    package let timeout: Double
    private let limit: Duration
    /// `NAME=value` entries, fixed at start: the responder's environment never changes, and in
    /// CGI mode it *is* the request, so it is filtered once here, not read per call.
    private let childEnvironment: [String]

    /// - Parameters:
    ///   - environment: the responder's own environment as captured at start.
    ///   - passedEnvironmentNames: `INSTALL_TOKEN_HOOK_ENV`; names that are not set are skipped.
    /// - Precondition: `0 < timeout <= 86_400` (the configuration checks it). A worker held for more
    ///   than a day is lost anyway, and `Duration` cannot hold just any `Double` of seconds.
    package init(path: String, timeout: Double, passedEnvironmentNames: [String], environment: [String: String]) {
        var seen: Set<String> = []
        let childEnvironment = (["PATH", "LANG"] + passedEnvironmentNames).compactMap { name -> String? in
            guard Self.mayPass(name), seen.insert(name).inserted, let value = environment[name] else { return nil }
            return "\(name)=\(value)"
        }
        self.init(path: path, arguments: [], timeout: timeout, childEnvironment: childEnvironment)
    }

    /// A program of our own (`hubspot-install-tokens hook ...`), given its arguments and exactly the
    /// `NAME=value` entries in `childEnvironment`.
    package init(path: String, arguments: [String], timeout: Double, childEnvironment: [String]) {
        precondition(timeout > 0 && timeout <= 86_400, "\(Setting.tokenHookTimeout) is validated at start")
        self.path = path
        self.arguments = arguments
        self.timeout = timeout
        self.limit = .seconds(timeout)
        self.childEnvironment = childEnvironment
    }

    package func exchange(_ grant: AuthorizationGrant) throws(HookFailure) -> HookOutcome {
        let run: ChildProcess.Result
        do {
            run = try ChildProcess.run(
                path: path, arguments: arguments, environment: childEnvironment, input: grant.jsonBody(), timeout: limit
            )
        } catch {
            throw HookFailure(.failed, detail: "could not run hook: \(error)")
        }

        let stderr = StderrExcerpt.render(run.stderr.bytes, redacting: grant.code, truncated: run.stderr.overflowed)
        func failure(_ kind: HookFailure.Kind, _ what: String) -> HookFailure {
            HookFailure(kind, detail: stderr.isEmpty ? what : "\(what); stderr: \(stderr)")
        }
        switch run.termination {
        case .timedOut: throw failure(.timedOut, "no answer within \(timeoutText)s, killed")
        case .killed(let signal): throw failure(.failed, "killed by signal \(signal)")
        case .exited(Self.temporaryFailure):
            throw failure(.providerUnavailable, "exit status \(Self.temporaryFailure) (try again later)")
        case .exited(Self.codeRejected):
            throw failure(.codeRejected, "exit status \(Self.codeRejected) (code rejected)")
        case .exited(Self.timedOut):
            throw failure(.timedOut, "exit status \(Self.timedOut) (timed out)")
        case .exited(let status) where status != 0: throw failure(.failed, "exit status \(status)")
        case .exited: break
        }

        let answer: HookAnswer
        do {
            answer = try HookAnswer(stdout: run.stdout)
        } catch {
            throw failure(.failed, error.detail)
        }
        // Only scopes this install asked for as optional: the list is shown on the page and kept in
        // the receipt cookie, so a hook cannot put words of its own there.
        let asked = Set(grant.optionalScopes)
        return HookOutcome(
            redirect: answer.redirect, account: answer.account,
            ungrantedOptionalScopes: answer.ungrantedOptionalScopes.filter { asked.contains($0) }, diagnostics: stderr)
    }

    /// sysexits' EX_TEMPFAIL: the hook says HubSpot (or whatever it talks to) did not answer, and
    /// the person is told to try again rather than that the install failed.
    package static let temporaryFailure: Int32 = 75
    /// HubSpot refused the code (expired, already used): the person is told the link expired.
    package static let codeRejected: Int32 = 76
    /// What `timeout(1)` exits with: what the hook waited for did not answer in time. Shown like a
    /// failure, logged as a timeout.
    package static let timedOut: Int32 = 124

    /// "10", not "10.0", for the usual whole seconds.
    private var timeoutText: String { Int64(exactly: timeout).map(String.init) ?? String(timeout) }

    /// CGI and web-server variables carry the request (the query holds the code, `HTTP_COOKIE` the
    /// binding); in CGI mode they are in the responder's environment, so no listing can pass them.
    private static func mayPass(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("=") && !name.hasPrefix("HTTP_") && !name.hasPrefix("REDIRECT_")
            && !requestVariables.contains(name)
    }

    private static let requestVariables: Set<String> = [
        "AUTH_TYPE", "CONTENT_LENGTH", "CONTENT_TYPE", "DOCUMENT_URI", "PATH_INFO", "PATH_TRANSLATED",
        "QUERY_STRING", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_IDENT", "REMOTE_PORT", "REMOTE_USER",
        "REQUEST_METHOD", "REQUEST_URI",
    ]
}
