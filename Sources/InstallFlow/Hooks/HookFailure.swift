/// Why a hook failed, as the user and the log see it. `detail` is for the log line and must
/// already be free of codes, tokens and secrets.
package struct HookFailure: Error, Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        /// The hook itself failed (non-zero exit, bad output, 4xx from a webhook).
        case failed
        /// The hook did not finish within its timeout.
        case timedOut
        /// HubSpot says the code is expired or already used: the user must start again.
        case codeRejected
        /// HubSpot (or the webhook receiver) did not answer usefully: try again later.
        case providerUnavailable

        /// The reason word of the log line.
        package var reason: Reason {
            switch self {
            case .failed: .hookFailed
            case .timedOut: .hookTimeout
            case .codeRejected: .codeRejected
            case .providerUnavailable: .providerUnavailable
            }
        }
    }

    package var kind: Kind
    package var detail: String

    package init(_ kind: Kind, detail: String = "") {
        self.kind = kind
        self.detail = detail
    }
}
