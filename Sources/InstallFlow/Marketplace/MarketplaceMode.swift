/// `INSTALL_MARKETPLACE`: which of HubSpot's two Marketplace install flows `/oauth/install` serves.
package enum MarketplaceMode: String, Sendable, Equatable, CaseIterable {
    /// `/oauth/install` answers 404.
    case off
    /// HubSpot asks us for a state first (`step=authorize`), then brings the code with it
    /// (`step=finalize`): the state is bound to the browser like our own install's.
    case signIn = "sign-in"
    /// HubSpot brings the code alone: the code is the only proof (docs/marketplace.md says what that gives up).
    case direct
}
