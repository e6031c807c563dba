/// What `--help` prints and what follows a `UsageError`, in the layout the responder has always
/// printed (`OVERVIEW:`, `USAGE:`, `OPTIONS:`), lines within 80 columns (the usage line aside).
package enum HelpText {
    static let program = "hubspot-install"

    /// The whole help of a subcommand, or of the program (nil); ends with a newline.
    package static func help(for subcommand: Subcommand?) -> String {
        guard let subcommand else { return topLevel }
        var text = wrapped("OVERVIEW: ", overview(subcommand), indent: 0) + "\n\n" + discussion(subcommand) + "\n\n"
        text += "USAGE: " + usage(for: subcommand) + "\n\n"
        if subcommand == .tokens {
            text += "ARGUMENTS:\n" + row("<arguments>", "Arguments for hubspot-install-tokens.") + "\n"
            return text
        }
        text += "OPTIONS:\n"
        for option in Option.options(of: subcommand) {
            if let help = option.help { text += row(option.spelling, help) }
        }
        text += row("-h, --help", "Show help information.") + "\n"
        return text
    }

    /// The usage line: the program, the subcommand and its options.
    package static func usage(for subcommand: Subcommand?) -> String {
        guard let subcommand else { return "\(program) <subcommand>" }
        if subcommand == .tokens { return "\(program) tokens [<arguments> ...]" }
        let options = Option.options(of: subcommand).filter { $0.help != nil }.map { "[\($0.spelling)]" }
        return ([program, subcommand.rawValue] + options).joined(separator: " ")
    }

    /// The message, the usage line and where to read more: three lines for stderr, the last without
    /// its newline.
    package static func error(_ error: UsageError) -> String {
        let helpCommand = ([program] + (error.subcommand.map { [$0.rawValue] } ?? []) + ["--help"])
            .joined(separator: " ")
        return "Error: \(error)\nUsage: \(usage(for: error.subcommand))\n"
            + "  See '\(helpCommand)' for more information."
    }

    /// `--threads <threads>` for `--threads`.
    static func spelling(of name: String) -> String {
        for subcommand in Subcommand.allCases {
            if let option = Option.options(of: subcommand).first(where: { $0.name == name }) { return option.spelling }
        }
        return name
    }

    private static let topLevel = """
        OVERVIEW: The install endpoint of a HubSpot app: a FastCGI (or CGI) responder.

        Configured by environment variables (HUBSPOT_*, INSTALL_*) or --config FILE (or
        HUBSPOT_INSTALL_CONFIG=FILE, for a CGI program); see README. Run without a
        subcommand it serves as a FastCGI responder on the socket it inherited. Started
        as a CGI program (GATEWAY_INTERFACE set, stdin not a listening socket) it
        answers that one request and ignores every argument.

        USAGE: \(program) <subcommand>

        OPTIONS:
        \(row("-h, --help", "Show help information."))
        SUBCOMMANDS:
        \(Subcommand.allCases.map { row($0 == .serve ? "serve (default)" : $0.rawValue, overview($0)) }.joined())
          See '\(program) help <subcommand>' for detailed help.

        """

    private static func overview(_ subcommand: Subcommand) -> String {
        switch subcommand {
        case .serve: "Run the FastCGI responder (the default command)."
        case .check: "Validate the configuration and the page templates; print every problem, or a summary."
        case .keygen: "Print a new random state key (32 bytes, base64url) for INSTALL_STATE_KEYS."
        case .tokens: "Run hubspot-install-tokens (the accounts and tokens the built-in hubspot hook stored)."
        }
    }

    private static func discussion(_ subcommand: Subcommand) -> String {
        switch subcommand {
        case .serve:
            """
            With neither --socket nor --listen it serves the socket it inherited: fd 0
            (spawn-fcgi, mod_fcgid, systemd StandardInput=socket) or systemd's LISTEN_FDS.
            Started by a web server as a CGI program (GATEWAY_INTERFACE set) it answers
            that one request and exits, reading no argument at all.
            A master process owns the socket and keeps --workers worker processes of
            --threads threads each; a worker that dies is replaced at once (with a growing
            pause if it dies right after starting).
            SIGTERM or SIGINT: stop accepting, finish the requests in flight, exit 0.
            SIGHUP: read the configuration, keys and templates again; if they are good, new
            workers start and the old ones finish their requests; if not, every problem is
            logged and the old workers keep serving. SIGUSR1, SIGUSR2 and SIGPIPE are
            ignored.
            """
        case .check:
            """
            Changes nothing: the state directory is not created. Exit status 1 on any
            problem.
            """
        case .keygen:
            """
            To rotate, put the new key first and keep the old one after it until its states
            have expired.
            """
        case .tokens:
            """
            Everything after `tokens` is passed on; `hubspot-install tokens --help` lists
            its commands.
            """
        }
    }

    /// `  NAME  description`, the description wrapped under its own column.
    private static func row(_ name: String, _ description: String) -> String {
        let column = 26
        let label = "  " + name
        let indent = String(repeating: " ", count: column)
        if label.count >= column { return label + "\n" + wrapped(indent, description, indent: column) + "\n" }
        return wrapped(label + String(repeating: " ", count: column - label.count), description, indent: column) + "\n"
    }

    /// `prefix` and the words of `text`, broken between words into lines of at most 79 columns (a
    /// longer word stands alone), each line after the first indented by `indent` spaces; no newline
    /// at the end.
    private static func wrapped(_ prefix: String, _ text: String, indent: Int) -> String {
        var lines: [String] = []
        var line = prefix
        var empty = true
        for word in text.split(separator: " ") {
            if !empty && line.count + 1 + word.count > 79 {
                lines.append(line)
                line = String(repeating: " ", count: indent)
                empty = true
            }
            line += (empty ? "" : " ") + word
            empty = false
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }
}
