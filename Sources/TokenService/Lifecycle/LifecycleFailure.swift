/// Why a token lifecycle command (`tokens access-token`, `refresh`, `revoke`, `uninstall`) failed:
/// one reason word for scripts and alerts, a detail for people, and the exit status the command
/// ends with. The detail never holds a token, the client secret or an answer's body.
package struct LifecycleFailure: Error, Sendable, Equatable {
    package enum Reason: String, Sendable, Equatable, CaseIterable {
        /// No row for this hub id.
        case notStored = "not_stored"
        /// HubSpot refused the refresh token: the customer uninstalled the app or revoked it.
        case revoked
        /// HubSpot did not answer usefully (no connection, timeout, 5xx, 429): try again later.
        case hubspotUnavailable = "hubspot_unavailable"
        /// HubSpot answered with an error that trying again will not change (a wrong client secret).
        case hubspotRefused = "hubspot_refused"
        /// The token store could not be read or written (read-only, full, a row that does not open).
        case storeFailed = "store_failed"
        /// The token store did not answer (a PostgreSQL server down, restarting or unreachable, a
        /// statement that timed out): try again later.
        case storeUnavailable = "store_unavailable"
        /// Another process's refresh of the same account did not finish in time.
        case busy
        /// The configuration lacks what the command needs (the client secret).
        case misconfigured
    }

    package var reason: Reason
    package var detail: String

    package init(_ reason: Reason, detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// The failure of a token store step: "try again" when the store did not answer.
    package init(store error: TokenStoreError) {
        self.init(error.unavailable ? .storeUnavailable : .storeFailed, detail: error.detail)
    }

    /// The documented exit status: 2 not stored, 3 revoked, 75 (sysexits' EX_TEMPFAIL, as for
    /// hooks) try again later, 1 anything else.
    package var exitCode: Int32 {
        switch reason {
        case .notStored: 2
        case .revoked: 3
        case .hubspotUnavailable, .storeUnavailable, .busy: 75
        case .hubspotRefused, .storeFailed, .misconfigured: 1
        }
    }

    /// The one stderr line of the failure.
    package var line: String { "error: \(reason.rawValue): \(detail)" }
}
