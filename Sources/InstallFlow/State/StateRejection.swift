/// Why a state was refused.
package enum StateRejection: Error, Sendable, Equatable {
    case malformed
    case unknownVersion
    case unknownKey
    case bindingMissing
    case badTag
    case expired
    case fromTheFuture

    /// The reason word of the log line.
    package var reason: Reason {
        switch self {
        case .malformed: .stateMalformed
        case .unknownVersion: .stateVersion
        case .unknownKey: .stateUnknownKey
        case .bindingMissing: .bindingMissing
        case .badTag: .stateBadTag
        case .expired: .stateExpired
        case .fromTheFuture: .stateFuture
        }
    }
}
