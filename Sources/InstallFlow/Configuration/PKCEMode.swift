/// `HUBSPOT_PKCE`.
package enum PKCEMode: String, Sendable, Equatable, CaseIterable {
    case off
    case s256 = "S256"
}
