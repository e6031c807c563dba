/// Why a state was refused. The raw value is the reason word of the log line.
package enum StateRejection: String, Error, Sendable, Equatable {
    case malformed = "state_malformed"
    case unknownVersion = "state_version"
    case unknownKey = "state_unknown_key"
    case bindingMissing = "binding_missing"
    case badTag = "state_bad_tag"
    case expired = "state_expired"
    case fromTheFuture = "state_future"
}
