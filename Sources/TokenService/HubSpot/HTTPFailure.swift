/// Why no answer came. Carries words fit for the log, never a URL or a body: a URL may hold a
/// secret.
enum HTTPFailure: Error, Sendable, Equatable {
    /// Nothing (or not all of the answer) arrived before the deadline.
    case timedOut
    /// The request provably never left: the connection was refused or the host name did not
    /// resolve. Only this is safe to send again when the receiver must act once.
    case unreached(String)
    /// The connection broke, or the answer was not HTTP: the body may have been read and acted on.
    case connection(String)
    /// The answer was larger than the client accepts, or came compressed (which would unpack to an
    /// unknown size before any limit could count it).
    case tooLarge
    /// The URL was refused before anything was sent: not http(s), or without a host. What the server
    /// sends back never maps here, whatever it is.
    case badURL
}
