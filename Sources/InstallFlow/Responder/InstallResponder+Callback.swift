/// The callback (`INSTALL_CALLBACK_PATH`): where HubSpot sends the person back with a code.
extension InstallResponder {
    /// A HEAD (a link scanner, a prefetch) never calls the hook and never uses up a state.
    func headOfCallback() -> Response {
        Response(
            status: 204, headers: Response.Header.security + [.init("Cache-Control", "no-store")], body: [],
            reason: .headIgnored, route: .callback)
    }

    /// The binding cookie is never cleared here: it expires with the state (`Max-Age` = TTL). Another
    /// tab's state is bound to the same cookie, so clearing it when one tab finishes would strand the
    /// other; a used state stays refused by its marker whatever the cookie.
    private func reject(_ page: Page, _ reason: Reason) -> Response {
        self.page(page, route: .callback, reason: reason)
    }

    /// Verifies the round trip, then hands the code to the hook, exactly once per state.
    func callback(_ request: Request, requestID: String) -> Response {
        let query: CallbackQuery
        switch CallbackQuery.parse(request.query) {
        case .success(let parsed): query = parsed
        case .failure(let rejection): return reject(.invalidLink, rejection.reason)
        }
        guard let stateText = query.state else {
            // HubSpot's error redirect carries no state. Saying "you declined" is safe without one:
            // the page is fixed, nothing is reflected and nothing is done.
            if let error = query.error { return reject(Self.providerPage(error), .providerError) }
            return reject(.invalidLink, .stateMissing)
        }
        let now = environment.now()
        let roundTrip: VerifiedRoundTrip
        switch verifyRoundTrip(stateText, cookieHeader: request.cookieHeader, now: now) {
        case .success(let verified): roundTrip = verified
        case .failure(let refusal): return reject(refusal.page, refusal.reason)
        }
        let state = roundTrip.state
        if let error = query.error {
            // A genuine round trip that HubSpot ended: use the state up so it cannot be replayed.
            _ = nonces.claim(nonce: state.nonce, issuedAt: state.issuedAt, now: now)
            return reject(Self.providerPage(error), .providerError)
        }
        let code: AuthorizationCode
        switch Self.checkedCode(query.code) {
        case .success(let checked): code = checked
        case .failure(let refusal): return reject(refusal.page, refusal.reason)
        }
        let grant = AuthorizationGrant(
            code: code, redirectURI: configuration.redirectURI, clientID: configuration.clientID,
            scopes: configuration.scopes, optionalScopes: configuration.optionalScopes, issuedAt: state.issuedAt,
            requestID: requestID, flow: .install, installID: InstallID.forState(nonce: state.nonce),
            codeVerifier: codeVerifier(for: roundTrip))
        return onceWithHookSlot(
            state.nonce, issuedAt: state.issuedAt, now: now, refuse: { reject($0.page, $0.reason) }
        ) {
            exchange(grant, now: now)
        }
    }

    /// Runs the hook of a verified callback and sends the person on (or to the page of its failure).
    private func exchange(_ grant: AuthorizationGrant, now: Int64) -> Response {
        do {
            let outcome = try hook.exchange(grant)
            var response = Response(
                status: 303,
                headers: Response.Header.security + [
                    .init("Location", Self.safeRedirect(outcome.redirect) ?? configuration.successURL),
                    .init("Cache-Control", "no-store"),
                ],
                body: [], reason: .ok, route: .callback)
            response.diagnostics = outcome.diagnostics
            if let receipt = receiptCookie(outcome, now: now) { response.headers.append(receipt) }
            return response
        } catch {
            var response = reject(error.kind.page, error.kind.reason)
            response.diagnostics = error.detail
            return response
        }
    }
}
