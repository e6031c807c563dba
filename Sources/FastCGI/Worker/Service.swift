package import InstallFlow

/// What a worker serves with: the flow built from its reading of the configuration (keys,
/// templates, hook), the access log, and how long it waits for its requests when told to stop.
package struct Service: Sendable {
    package typealias Respond = @Sendable (Request) -> Response
    package typealias Log = @Sendable (Response, Int64) -> Void

    let respond: Respond
    let log: Log
    /// How long in-flight requests may take to finish after SIGTERM before the worker gives up.
    let shutdownGrace: Double

    package init(respond: @escaping Respond, log: @escaping Log, shutdownGrace: Double) {
        self.respond = respond
        self.log = log
        self.shutdownGrace = max(0, shutdownGrace)
    }
}
