/// An option of a subcommand: `--name VALUE` (also `--name=VALUE`), or a flag when it has no
/// value name.
struct Option: Sendable {
    /// With its dashes, as typed.
    let name: String
    /// What the help calls its value (`--socket <path>`); nil for a flag.
    let valueName: String?
    /// One line for the help; nil keeps the option out of it (`--worker`).
    let help: String?

    static let socket = Option(
        name: "--socket", valueName: "path", help: "Create a unix socket at this path (mode 0660) and listen on it.")
    static let listen = Option(
        name: "--listen", valueName: "address:port",
        help: "Listen on TCP at ADDRESS:PORT; a port alone means 127.0.0.1.")
    static let workers = Option(name: "--workers", valueName: "workers", help: "Worker processes (default: 2).")
    static let threads = Option(
        name: "--threads", valueName: "threads", help: "Threads per worker process (default: two per core, at least 4)."
    )
    static let config = Option(
        name: "--config", valueName: "file", help: "Read settings from this KEY=value file; the environment wins.")
    static let worker = Option(name: "--worker", valueName: nil, help: nil)

    /// Each subcommand's options in the order the help lists them.
    static func options(of subcommand: Subcommand) -> [Option] {
        switch subcommand {
        case .serve: [socket, listen, workers, threads, config, worker]
        case .check: [config]
        case .keygen, .tokens: []
        }
    }

    /// `--threads <threads>`, as the help and the errors spell it.
    var spelling: String { valueName.map { "\(name) <\($0)>" } ?? name }
}
