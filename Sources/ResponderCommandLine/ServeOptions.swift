/// What `serve` was given; nil where an option was left out (the defaults depend on the machine and
/// live with the code that uses them).
package struct ServeOptions: Equatable, Sendable {
    /// `--socket PATH`: a unix socket to create and listen on.
    package var socket: String?
    /// `--listen ADDRESS:PORT`, checked by the listener that parses it.
    package var listen: String?
    /// `--workers N`, 1 to `workerRange.upperBound`.
    package var workers: Int?
    /// `--threads N`, 1 to `threadRange.upperBound`.
    package var threads: Int?
    /// `--config FILE`.
    package var config: String?
    /// `--worker`: set by the master on the workers it starts (the socket on fd 0, its readiness pipe
    /// on fd 3), never by a person.
    package var worker = false

    package static let workerRange = 1...64
    package static let threadRange = 1...1024

    package init(
        socket: String? = nil, listen: String? = nil, workers: Int? = nil, threads: Int? = nil, config: String? = nil,
        worker: Bool = false
    ) {
        self.socket = socket
        self.listen = listen
        self.workers = workers
        self.threads = threads
        self.config = config
        self.worker = worker
    }
}
