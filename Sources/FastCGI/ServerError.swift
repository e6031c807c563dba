internal import Glibc

/// Why the responder could not start or stop cleanly. The description is one line for stderr:
/// what was attempted, on what, and the system's reason.
package struct ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        case socket
        case address
        case inherited
        case library
        case workers
        case shutdown
    }

    let kind: Kind
    package let description: String

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    /// `what` failed with the current `errno`.
    static func system(_ kind: Kind, _ what: String, errno code: Int32 = errno) -> ServerError {
        ServerError(kind, "\(what): \(String(cString: strerror(code)))")
    }
}
