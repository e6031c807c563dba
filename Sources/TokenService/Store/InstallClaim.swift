/// An install attempt (`install_id`) that one exchange has taken on: duplicates of the same
/// delivery wait for its outcome instead of spending the code a second time.
package struct InstallClaim: Sendable, Equatable {
    package var installID: String
    /// Unix seconds at which the claim was taken.
    package var claimedAt: Int64
    /// Set once the claiming exchange succeeded.
    package var outcome: Outcome?

    /// What the claiming exchange reported on success: enough for a duplicate to show the same page.
    package struct Outcome: Sendable, Equatable {
        package var hubID: Int64
        package var account: String
        package var ungrantedOptionalScopes: [String]

        package init(hubID: Int64, account: String, ungrantedOptionalScopes: [String]) {
            self.hubID = hubID
            self.account = account
            self.ungrantedOptionalScopes = ungrantedOptionalScopes
        }
    }

    package init(installID: String, claimedAt: Int64, outcome: Outcome?) {
        self.installID = installID
        self.claimedAt = claimedAt
        self.outcome = outcome
    }
}
