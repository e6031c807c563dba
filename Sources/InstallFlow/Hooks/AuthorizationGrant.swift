/// What a hook is handed: the code and everything needed to exchange it, nothing of the request.
package struct AuthorizationGrant: Sendable {
    package var code: AuthorizationCode
    package var redirectURI: String
    package var clientID: String
    package var scopes: [String]
    package var optionalScopes: [String]
    /// Unix seconds at which the state of this round trip was minted.
    package var issuedAt: Int64
    package var requestID: String
    /// Which route the code came through.
    package var flow: Flow
    /// Names this install attempt without revealing anything (see `InstallID`): a receiver that
    /// sees it twice has seen the same code twice.
    package var installID: String
    /// The PKCE verifier of our authorize URL's challenge, when `HUBSPOT_PKCE=S256`.
    package var codeVerifier: Secret?

    /// The `flow` key of the hook JSON.
    package enum Flow: String, Sendable, Equatable {
        /// Our own install: `/oauth/authorize`, then the callback.
        case install
        /// HubSpot's Marketplace install URL, `/oauth/install`.
        case marketplace
    }

    package init(
        code: AuthorizationCode, redirectURI: String, clientID: String, scopes: [String],
        optionalScopes: [String], issuedAt: Int64, requestID: String, flow: Flow = .install, installID: String = "",
        codeVerifier: Secret? = nil
    ) {
        self.flow = flow
        self.installID = installID
        self.codeVerifier = codeVerifier
        self.code = code
        self.redirectURI = redirectURI
        self.clientID = clientID
        self.scopes = scopes
        self.optionalScopes = optionalScopes
        self.issuedAt = issuedAt
        self.requestID = requestID
    }

    /// The JSON object the exec and webhook hooks send (docs/hooks.md), keys in this order;
    /// keys are only ever added at the end, so a receiver written for an older version still reads
    /// it. It holds the code (and the PKCE verifier): never log it.
    package func jsonBody() -> [UInt8] {
        var out = JSONWriter()
        out.beginObject()
        out.field("code", code.value)
        out.field("redirect_uri", redirectURI)
        out.field("client_id", clientID)
        out.field("scopes", scopes)
        out.field("optional_scopes", optionalScopes)
        out.field("issued_at", issuedAt)
        out.field("request_id", requestID)
        out.field("flow", flow.rawValue)
        out.field("install_id", installID)
        if let codeVerifier { out.field("code_verifier", codeVerifier.value) }
        out.endObject()
        return Array(out.text.utf8)
    }
}
