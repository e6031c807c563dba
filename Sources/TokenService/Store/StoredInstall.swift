package import InstallFlow

/// One connected HubSpot account: the row of the token store for its `hub_id`.
///
/// The tokens are `Secret`s, so printing, dumping or interpolating an install shows `<redacted>`
/// for them; only `refreshToken.value` / `accessToken.value` reveal one, deliberately.
package struct StoredInstall: Sendable, Equatable {
    package var hubID: Int64
    /// e.g. `example.hubspot.com`, when HubSpot's metadata named it.
    package var hubDomain: String?
    package var accessToken: Secret
    package var refreshToken: Secret
    /// Unix seconds at which the access token expires, if HubSpot said.
    package var expiresAt: Int64?
    /// The scopes HubSpot granted (optional ones it dropped are not among them).
    package var scopes: [String]
    package var tokenType: String
    /// Unix seconds of the install that wrote this row (a reinstall replaces it).
    package var installedAt: Int64
    /// Unix seconds of the last write to this row (an install or a refresh).
    package var updatedAt: Int64
    /// The HubSpot user who installed the app, when HubSpot named them.
    package var userID: Int64?
    package var userEmail: String?
    /// The app's id at HubSpot, and the data-centre region (`na1`, `eu1`, ...) of the account.
    package var appID: Int64?
    package var hublet: String?
    package var status: InstallStatus
    /// The `install_id` of the install attempt that wrote this row, when the responder sent one.
    package var installID: String?

    package init(
        hubID: Int64, hubDomain: String?, accessToken: Secret, refreshToken: Secret, expiresAt: Int64?,
        scopes: [String], tokenType: String, installedAt: Int64, updatedAt: Int64, userID: Int64? = nil,
        userEmail: String? = nil, appID: Int64? = nil, hublet: String? = nil, status: InstallStatus = .active,
        installID: String? = nil
    ) {
        self.hubID = hubID
        self.hubDomain = hubDomain
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.scopes = scopes
        self.tokenType = tokenType
        self.installedAt = installedAt
        self.updatedAt = updatedAt
        self.userID = userID
        self.userEmail = userEmail
        self.appID = appID
        self.hublet = hublet
        self.status = status
        self.installID = installID
    }

    /// How the success page names the account: its domain if known, else its hub id.
    package var accountName: String { hubDomain ?? "HubSpot account \(hubID)" }
}
