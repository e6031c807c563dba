/// The route name of an access-log line, never the raw path (which could hold anything a client
/// sent). docs/logs.md lists exactly these.
package enum Route: String, Sendable, CaseIterable {
    case landing
    case authorize
    case callback
    /// The Marketplace install URL, `/oauth/install`.
    case install
    case installed
    case healthz
    /// Any other path.
    case other
    /// The adapter answered before the path was read (`request_too_large`).
    case notRouted = "none"
}
