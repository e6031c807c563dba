/// Whether a stored install can still be used. Stored as its raw value; apps reading the store
/// directly compare against these words.
package enum InstallStatus: String, Sendable, Equatable, CaseIterable {
    /// The tokens work (or can be refreshed).
    case active
    /// HubSpot refused the refresh token (`invalid_grant`, `BAD_REFRESH_TOKEN`): the customer
    /// uninstalled the app or revoked its access. Only a new install brings the account back.
    case revoked
}
