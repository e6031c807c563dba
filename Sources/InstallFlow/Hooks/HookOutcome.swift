/// What a hook reports on success.
package struct HookOutcome: Sendable, Equatable {
    /// Where to send the user next, if the hook chose (validated by the flow: absolute https only).
    package var redirect: String?
    /// The HubSpot account that was connected (hub id or domain), shown on the success page.
    package var account: String?
    /// Optional scopes that the account did not grant.
    package var ungrantedOptionalScopes: [String]
    /// What the hook said on the side (an exec hook's stderr), truncated and with the code
    /// redacted, for the log line only.
    package var diagnostics: String

    package init(
        redirect: String? = nil, account: String? = nil, ungrantedOptionalScopes: [String] = [],
        diagnostics: String = ""
    ) {
        self.redirect = redirect
        self.account = account
        self.ungrantedOptionalScopes = ungrantedOptionalScopes
        self.diagnostics = diagnostics
    }
}
