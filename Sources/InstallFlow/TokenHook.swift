/// Where an authorization code goes once the callback has proven the round trip genuine.
///
/// The flow calls a hook only after the state, the browser binding and the one-time marker have all
/// been checked; a hook never sees a request, only the grant. Implementations:
/// `ExecHook` in HookRunner, `WebhookHook` and `HubSpotExchangeHook` in TokenService, `ClosureTokenHook` for tests.
package protocol TokenHook: Sendable {
    func exchange(_ grant: AuthorizationGrant) throws(HookFailure) -> HookOutcome
}

/// A hook made of a closure, so tests and small extensions need no type of their own.
package struct ClosureTokenHook: TokenHook {
    private let body: @Sendable (AuthorizationGrant) throws(HookFailure) -> HookOutcome

    package init(_ body: @escaping @Sendable (AuthorizationGrant) throws(HookFailure) -> HookOutcome) {
        self.body = body
    }

    package func exchange(_ grant: AuthorizationGrant) throws(HookFailure) -> HookOutcome {
        try body(grant)
    }
}

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

/// Why a hook failed, as the user and the log see it. `detail` is for the log line and must
/// already be free of codes, tokens and secrets.
package struct HookFailure: Error, Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        /// The hook itself failed (non-zero exit, bad output, 4xx from a webhook).
        case failed
        /// The hook did not finish within its timeout.
        case timedOut
        /// HubSpot says the code is expired or already used: the user must start again.
        case codeRejected
        /// HubSpot (or the webhook receiver) did not answer usefully: try again later.
        case providerUnavailable

        /// The reason word of the log line.
        package var reason: Reason {
            switch self {
            case .failed: .hookFailed
            case .timedOut: .hookTimeout
            case .codeRejected: .codeRejected
            case .providerUnavailable: .providerUnavailable
            }
        }
    }

    package var kind: Kind
    package var detail: String

    package init(_ kind: Kind, detail: String = "") {
        self.kind = kind
        self.detail = detail
    }
}
