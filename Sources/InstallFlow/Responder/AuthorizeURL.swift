/// Builds HubSpot's authorize URL (docs/hubspot.md): `client_id`, `redirect_uri`, `scope` (spaces as
/// `%20`, `oauth` always there), `optional_scope` only when there are any, then `state`, then the
/// PKCE challenge when it is on. Everything but the state and the challenge is fixed by the
/// configuration, so it is built once.
package struct AuthorizeURL: Sendable {
    /// Everything after the path, up to and including `state=`.
    private let query: String
    /// The whole URL up to and including `state=`, for the usual (unpinned) case.
    private let prefix: String
    /// The base up to `/oauth/`, when the configured path ends in `/oauth/authorize`: HubSpot's
    /// account-pinned form is `/oauth/<hub id>/authorize`.
    private let pinnedStem: String?

    package init(configuration: Configuration) {
        var base = configuration.authorizeURL
        var query = ""
        if let mark = base.firstIndex(of: "?") {
            query = String(base[base.index(after: mark)...]) + "&"
            base = String(base[..<mark])
        }
        query += "client_id=" + PercentEncoding.encode(configuration.clientID)
        query += "&redirect_uri=" + PercentEncoding.encode(configuration.redirectURI)
        query += "&scope=" + PercentEncoding.encode(configuration.scopes.joined(separator: " "))
        if !configuration.optionalScopes.isEmpty {
            query += "&optional_scope=" + PercentEncoding.encode(configuration.optionalScopes.joined(separator: " "))
        }
        self.query = query + "&state="
        prefix = base + "?" + self.query
        pinnedStem = base.hasSuffix("/oauth/authorize") ? String(base.dropLast("authorize".count)) : nil
    }

    /// A state is base64url, whose every character is unreserved: it goes in as it is, and so does
    /// a challenge. `hubID` has been checked to be digits.
    package func url(state: String, challenge: String? = nil, hubID: String? = nil) -> String {
        var url: String
        if let hubID, let pinnedStem {
            url = pinnedStem + hubID + "/authorize?" + query + state
        } else {
            url = .concatenating(prefix, state)
        }
        if let challenge { url += "&code_challenge=" + challenge + "&code_challenge_method=S256" }
        return url
    }

    /// Whether a `hub_id` can be honoured: the configured URL has HubSpot's path.
    package var canPinAccount: Bool { pinnedStem != nil }
}
