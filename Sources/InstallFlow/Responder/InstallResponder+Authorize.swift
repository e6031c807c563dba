/// `/oauth/authorize`: where an install starts.
extension InstallResponder {
    /// Mints a state bound to the browser's cookie (reusing a well-formed one, so two tabs can both
    /// finish); the Marketplace sign-in flow mints its states here too.
    func mintState(cookieHeader: String?) -> (state: String, binding: [UInt8], nonce: [UInt8]) {
        let binding: [UInt8]
        let nonce: [UInt8]
        if case .value(let existing) = cookie.find(in: cookieHeader) {
            binding = existing
            nonce = environment.randomBytes(StateSigner.nonceByteCount)
        } else {
            let random = environment.randomBytes(BindingCookie.byteCount + StateSigner.nonceByteCount)
            binding = Array(random[..<BindingCookie.byteCount])
            nonce = Array(random[BindingCookie.byteCount...])
        }
        return (signer.mint(binding: binding, nonce: nonce, issuedAt: environment.now()), binding, nonce)
    }

    /// Sends the browser to HubSpot with a fresh state (and PKCE challenge), pinned to one account
    /// when `hub_id` says which.
    func startInstall(_ request: Request) -> Response {
        let hubID: String?
        switch Self.hubID(in: request.query) {
        case .success(let value): hubID = value
        case .failure(let refusal): return page(refusal.page, route: .authorize, reason: refusal.reason)
        }
        let (state, binding, nonce) = mintState(cookieHeader: request.cookieHeader)
        var challenge: String?
        if configuration.pkce == .s256 {
            let verifier = PKCE.verifier(key: configuration.stateKeys[0], nonce: nonce, binding: binding)
            challenge = PKCE.challenge(verifier: verifier)
        }
        return Response(
            status: 302,
            headers: Response.Header.security + [
                .init("Location", authorize.url(state: state, challenge: challenge, hubID: hubID)),
                .init("Set-Cookie", cookie.setCookie(binding)),
                .init("Cache-Control", "no-store"),
            ],
            body: [], reason: .ok, route: .authorize)
    }
}
