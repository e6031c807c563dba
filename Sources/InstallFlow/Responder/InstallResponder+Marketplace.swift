internal import InstallCrypto

/// `/oauth/install`: the install URL of a HubSpot Marketplace listing. HubSpot sends the person here
/// with a `returnUrl` of its own and expects them back there whatever happens; which requests it
/// sends depends on the listing's flow (`INSTALL_MARKETPLACE`):
///
/// - `sign-in`: `?step=authorize&returnUrl=R` asks for a state, which we mint exactly as for our own
///   install and hand back on R; `?step=finalize&code=C&state=S&returnUrl=R` brings the code with
///   that state, which is verified against the cookie exactly as the callback verifies it.
/// - `direct`: `?code=C&returnUrl=R`, no state at all: the code is used once, keyed by its hash.
///
/// Nothing happens before R has passed `ReturnURL`'s checks, so this route cannot send anyone
/// anywhere but back to HubSpot (or a host the operator named).
extension InstallResponder {
    static let marketplaceRoute = Route.install
    /// How long the one-time marker of a `direct` code outlives the state TTL: a day.
    static let codeMarkerRetention: Int64 = 86_400

    func marketplaceInstall(_ request: Request, requestID: String) -> Response {
        guard request.method == "GET" || request.method == "HEAD" else {
            return notAllowed(Self.marketplaceRoute, allow: "GET, HEAD")
        }
        // A link scanner's HEAD never mints, verifies or uses anything.
        if request.method == "HEAD" {
            return Response(
                status: 204, headers: Response.Header.security + [.init("Cache-Control", "no-store")], body: [],
                reason: .headIgnored, route: Self.marketplaceRoute)
        }
        // The return URL first, alone: once it has passed, every other refusal can offer the way back.
        let returnURL: ReturnURL
        switch QueryParameters.parse(request.query, reading: ["returnUrl"]) {
        case .success(let parsed):
            guard let text = parsed["returnUrl"], let checked = ReturnURL(text, extraHosts: configuration.returnHosts)
            else { return refuse(Refusal(.returnLinkInvalid, .returnURLInvalid)) }
            returnURL = checked
        case .failure(.duplicated): return refuse(Refusal(.returnLinkInvalid, .returnURLInvalid))
        case .failure(let failure): return refuse(Self.queryRefusal(failure))
        }
        let values: [String: String]
        switch QueryParameters.parse(request.query, reading: ["step", "code", "state"]) {
        case .success(let parsed): values = parsed
        case .failure(let failure): return refuse(Self.queryRefusal(failure), returnURL: returnURL)
        }
        let present: (String) -> String? = { values[$0].flatMap { $0.isEmpty ? nil : $0 } }

        switch (configuration.marketplace, present("step")) {
        case (.signIn, "authorize"?):
            return handOutState(request, returnURL: returnURL)
        case (.signIn, "finalize"?):
            return finalize(
                request, code: present("code"), state: present("state"), returnURL: returnURL,
                requestID: requestID)
        case (.signIn, nil) where present("code") != nil, (.direct, _?):
            // A request of the other flow: the listing and INSTALL_MARKETPLACE disagree.
            return refuse(Refusal(.invalidLink, .flowMismatch), returnURL: returnURL)
        case (.signIn, _):
            return refuse(Refusal(.invalidLink, .stepInvalid), returnURL: returnURL)
        case (.direct, nil):
            return direct(code: present("code"), returnURL: returnURL, requestID: requestID)
        case (.off, _):
            return page(.notFound, route: .other, reason: .notFound)
        }
    }

    static func queryRefusal(_ failure: QueryParameters.Failure) -> Refusal {
        switch failure {
        case .tooLarge: Refusal(.invalidLink, .queryTooLarge)
        case .malformed: Refusal(.invalidLink, .queryMalformed)
        case .duplicated: Refusal(.invalidLink, .queryDuplicated)
        }
    }

    /// The binding cookie of the sign-in flow: `SameSite=None` on https (see `BindingCookie`).
    private var crossSiteCookie: BindingCookie {
        BindingCookie(isHTTPS: configuration.isHTTPS, ttl: configuration.stateTTL, crossSite: true)
    }

    /// `step=authorize`: a state bound to this browser, handed to HubSpot on R.
    private func handOutState(_ request: Request, returnURL: ReturnURL) -> Response {
        let (state, binding, _) = mintState(cookieHeader: request.cookieHeader)
        return Response(
            status: 303,
            headers: Response.Header.security + [
                .init("Location", returnURL.adding(state: state)),
                .init("Set-Cookie", crossSiteCookie.setCookie(binding)),
                .init("Cache-Control", "no-store"),
            ],
            body: [], reason: .ok, route: Self.marketplaceRoute)
    }

    /// `step=finalize`: the callback's checks, then the hook once, then back to R.
    private func finalize(
        _ request: Request, code: String?, state stateText: String?, returnURL: ReturnURL, requestID: String
    ) -> Response {
        guard let stateText else { return refuse(Refusal(.invalidLink, .stateMissing), returnURL: returnURL) }
        let now = environment.now()
        let roundTrip: VerifiedRoundTrip
        switch verifyRoundTrip(stateText, cookieHeader: request.cookieHeader, now: now) {
        case .success(let verified): roundTrip = verified
        case .failure(let refusal): return refuse(refusal, returnURL: returnURL)
        }
        let checked: AuthorizationCode
        switch Self.checkedCode(code) {
        case .success(let value): checked = value
        case .failure(let refusal): return refuse(refusal, returnURL: returnURL)
        }
        let state = roundTrip.state
        // HubSpot built the authorize URL of this flow, without our PKCE challenge: no verifier.
        let grant = marketplaceGrant(
            checked, issuedAt: state.issuedAt, installID: InstallID.forState(nonce: state.nonce), requestID: requestID)
        return onceWithHookSlot(
            state.nonce, issuedAt: state.issuedAt, now: now, refuse: { refuse($0, returnURL: returnURL) }
        ) {
            runHook(grant, returnURL: returnURL)
        }
    }

    /// HubSpot's flow without sign-in: no state exists, so the code is the proof, and its hash is
    /// the one-time marker, so a repeated request (a refresh, HubSpot retrying) runs the hook once.
    private func direct(code: String?, returnURL: ReturnURL, requestID: String) -> Response {
        let checked: AuthorizationCode
        switch Self.checkedCode(code) {
        case .success(let value): checked = value
        case .failure(let refusal): return refuse(refusal, returnURL: returnURL)
        }
        let now = environment.now()
        let marker = SHA256.hash(data: Array(checked.value.utf8)).bytes
        let grant = marketplaceGrant(
            checked, issuedAt: now, installID: InstallID.forCode(checked), requestID: requestID)
        // A state's marker may go once its state has expired; a code has no expiry of ours, so its
        // marker is kept as if it were minted `codeMarkerRetention` from now: long past any code
        // HubSpot would still accept.
        let keptFrom = now + Self.codeMarkerRetention
        return onceWithHookSlot(
            marker, issuedAt: keptFrom, now: now, replayed: .codeReplayed, refuse: { refuse($0, returnURL: returnURL) }
        ) {
            runHook(grant, returnURL: returnURL)
        }
    }

    private func marketplaceGrant(
        _ code: AuthorizationCode, issuedAt: Int64, installID: String, requestID: String
    ) -> AuthorizationGrant {
        AuthorizationGrant(
            code: code, redirectURI: configuration.redirectURI, clientID: configuration.clientID,
            scopes: configuration.scopes, optionalScopes: configuration.optionalScopes, issuedAt: issuedAt,
            requestID: requestID, flow: .marketplace, installID: installID)
    }

    /// Runs the hook; either way the person goes back to HubSpot (HubSpot's page says what the
    /// install did). A hook's own redirect is not followed: HubSpot expects the person back on R.
    private func runHook(_ grant: AuthorizationGrant, returnURL: ReturnURL) -> Response {
        do {
            let outcome = try hook.exchange(grant)
            let headers = Response.Header.security + [
                .init("Location", returnURL.text), .init("Cache-Control", "no-store"),
            ]
            var response = Response(status: 303, headers: headers, body: [], reason: .ok, route: Self.marketplaceRoute)
            response.diagnostics = outcome.diagnostics
            return response
        } catch {
            var response = refuse(Refusal(error.kind.page, error.kind.reason), returnURL: returnURL)
            response.diagnostics = error.detail
            return response
        }
    }

    /// A refusal before `returnUrl` is known to be HubSpot's: the fixed page, with no way back but
    /// our own start page.
    private func refuse(_ refusal: Refusal) -> Response {
        page(refusal.page, route: Self.marketplaceRoute, reason: refusal.reason)
    }

    /// A refusal once `returnUrl` has passed its checks: the page's fixed words and a link back to it.
    private func refuse(_ refusal: Refusal, returnURL: ReturnURL) -> Response {
        Response(
            status: refusal.page.status, headers: Self.headers(of: refusal.page),
            body: pages.marketplace(refusal.page, returnURL: returnURL), reason: refusal.reason,
            route: Self.marketplaceRoute)
    }
}
