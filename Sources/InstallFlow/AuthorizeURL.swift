/// Builds HubSpot's authorize URL (HUBSPOT.md §1): `client_id`, `redirect_uri`, `scope` (spaces as
/// `%20`, `oauth` always there), `optional_scope` only when there are any, then `state`.
/// Everything but the state is fixed by the configuration, so it is built once.
package struct AuthorizeURL: Sendable {
    private let prefix: String

    package init(configuration: Configuration) {
        var url = configuration.authorizeURL
        url += url.contains("?") ? "&" : "?"
        url += "client_id=" + PercentEncoding.encode(configuration.clientID)
        url += "&redirect_uri=" + PercentEncoding.encode(configuration.redirectURI)
        url += "&scope=" + PercentEncoding.encode(configuration.scopes.joined(separator: " "))
        if !configuration.optionalScopes.isEmpty {
            url += "&optional_scope=" + PercentEncoding.encode(configuration.optionalScopes.joined(separator: " "))
        }
        prefix = url + "&state="
    }

    /// A state is base64url, whose every character is unreserved: it goes in as it is.
    package func url(state: String) -> String { prefix + state }
}
