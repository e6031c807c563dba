internal import InstallCrypto
internal import Synchronization

/// The install flow: given a request, answers it. Pure apart from what it is handed (the clock,
/// the randomness, the hook and the one-time markers), so every path is tested as a value.
package final class InstallResponder: Sendable {
    let configuration: Configuration
    let hook: any TokenHook
    let nonces: any NonceStore
    /// Bounds the hooks running at once, so slow hooks never take every thread.
    let hookSlots: HookSlots
    let environment: FlowEnvironment
    let signer: StateSigner
    let cookie: BindingCookie
    let authorize: AuthorizeURL
    /// Every page as a finished response, built once.
    let prebuilt: [Page: Response]
    /// The landing page's, the one asked for most, without the dictionary lookup.
    private let landing: Response
    let pages: Pages
    let health: Response
    private let requestIDPrefix: String
    private let requestCounter = Atomic<UInt64>(0)

    /// The responder as `serve` runs it: templates from `INSTALL_PUBLIC_DIR`, markers in
    /// `INSTALL_STATE_DIR` (created if missing), the system clock and the kernel's randomness;
    /// `threads` is how many requests the process answers at once (it sets the hook slots).
    package convenience init(configuration: Configuration, hook: any TokenHook, threads: Int)
        throws(ConfigurationError)
    {
        let pages = try Pages.load(configuration: configuration)
        let directory = configuration.stateDirectory
        if let problem = FileSystem.makeDirectory(directory, mode: 0o700) ?? FileSystem.ownershipProblem(directory) {
            throw ConfigurationError(problems: [ConfigurationProblem(.stateDirectory, message: problem)])
        }
        self.init(
            configuration: configuration, pages: pages, hook: hook,
            nonces: DirectoryNonceStore(directory: directory, ttl: configuration.stateTTL), environment: .live,
            hookSlots: configuration.hookSlots(threads: threads))
    }

    package init(
        configuration: Configuration, pages: Pages, hook: any TokenHook, nonces: any NonceStore,
        environment: FlowEnvironment, hookSlots: Int = 1
    ) {
        self.configuration = configuration
        self.hook = hook
        self.nonces = nonces
        self.hookSlots = HookSlots(capacity: hookSlots)
        self.environment = environment
        signer = StateSigner(keys: configuration.stateKeys, ttl: configuration.stateTTL)
        cookie = BindingCookie(isHTTPS: configuration.isHTTPS, ttl: configuration.stateTTL)
        authorize = AuthorizeURL(configuration: configuration)
        self.pages = pages
        var prebuilt = [Page: Response]()
        for page in Page.allCases {
            prebuilt[page] = Response(
                status: page.status, headers: Self.headers(of: page), body: pages.body(page), reason: .ok,
                route: .other
            ).prepared()
        }
        self.prebuilt = prebuilt
        landing = prebuilt[.landing]!
        health = Response(
            status: 200,
            headers: Response.Header.security + [
                .init("Content-Type", "text/plain; charset=utf-8"),
                .init("Cache-Control", "no-store"),
            ],
            body: Array("ok\n".utf8), reason: .ok, route: .healthz
        ).prepared()
        requestIDPrefix = Base64URL.encode(environment.randomBytes(6))
    }

    static let pageHeaders = Response.Header.security + [.init("Content-Type", "text/html; charset=utf-8")]

    /// The headers a page is served with, wherever its body comes from.
    static func headers(of page: Page) -> [Response.Header] {
        var headers = pageHeaders
        headers.append(.init("Cache-Control", page == .landing || page == .installed ? "no-cache" : "no-store"))
        if page == .methodNotAllowed { headers.append(.init("Allow", "GET, HEAD")) }
        if page == .hookBusy { headers.append(.init("Retry-After", "5")) }
        return headers
    }

    package func respond(to request: Request) -> Response {
        let requestID = String.concatenating(
            requestIDPrefix, "-", String(requestCounter.add(1, ordering: .relaxed).newValue))
        var response = route(request, requestID: requestID)
        response.requestID = requestID
        if request.method == "HEAD" { response.omitsBody = true }
        return response
    }

    private func route(_ request: Request, requestID: String) -> Response {
        let isGet = request.method == "GET"
        let isRead = isGet || request.method == "HEAD"
        switch request.path {
        case "/":
            return isRead ? page(.landing, route: .landing) : notAllowed(.landing, allow: "GET, HEAD")
        case "/oauth/authorize":
            return isGet ? startInstall(request) : notAllowed(.authorize, allow: "GET")
        case "/oauth/install" where configuration.marketplace != .off:
            return marketplaceInstall(request, requestID: requestID)
        case configuration.callbackPath:
            if request.method == "HEAD" { return headOfCallback() }
            return isGet ? callback(request, requestID: requestID) : notAllowed(.callback, allow: "GET, HEAD")
        case "/installed":
            return isRead ? installed(request) : notAllowed(.installed, allow: "GET, HEAD")
        case "/healthz":
            return isRead ? health : notAllowed(.healthz, allow: "GET, HEAD")
        default:
            return page(.notFound, route: .other, reason: .notFound)
        }
    }

    func page(_ page: Page, route: Route, reason: Reason = .ok) -> Response {
        var response = page == .landing ? landing : prebuilt[page]!
        response.route = route
        response.reason = reason
        return response
    }

    func notAllowed(_ route: Route, allow: String) -> Response {
        var response = page(.methodNotAllowed, route: route, reason: .methodNotAllowed)
        response.headers.removeAll { $0.name == "Allow" }
        response.headers.append(.init("Allow", allow))
        return response
    }

    // MARK: - /installed

    private var receiptCookieName: String { cookie.name + "-receipt" }

    /// The success page; it names the account when the browser brings the receipt of its install.
    private func installed(_ request: Request) -> Response {
        var response = page(.installed, route: .installed)
        let values = CookieHeader.values(named: receiptCookieName, in: request.cookieHeader)
        if values.count == 1,
            let receipt = InstallReceipt.open(values[0], keys: configuration.stateKeys, now: environment.now())
        {
            response.body = pages.installed(receipt)
            response.headers.removeAll { $0.name == "Cache-Control" }
            response.headers.append(.init("Cache-Control", "no-store"))
        }
        return response
    }

    /// A receipt cookie for the success page, when the hook told us something worth showing.
    private func receiptCookie(_ outcome: HookOutcome, now: Int64) -> Response.Header? {
        guard outcome.account != nil || !outcome.ungrantedOptionalScopes.isEmpty else { return nil }
        let receipt = InstallReceipt(
            account: outcome.account ?? "", ungrantedOptionalScopes: outcome.ungrantedOptionalScopes, issuedAt: now)
        guard let sealed = receipt.sealed(with: configuration.stateKeys[0]) else { return nil }
        return .init(
            "Set-Cookie",
            receiptCookieName + "=" + sealed + "; Max-Age=\(InstallReceipt.lifetime); Path=/; HttpOnly; SameSite=Lax"
                + (configuration.isHTTPS ? "; Secure" : ""))
    }

    // MARK: - /oauth/authorize

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
    private func startInstall(_ request: Request) -> Response {
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

    // MARK: - the callback

    /// A HEAD (a link scanner, a prefetch) never calls the hook and never uses up a state.
    private func headOfCallback() -> Response {
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
    private func callback(_ request: Request, requestID: String) -> Response {
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

    /// No cookie came back, so the state cannot be verified. The cookie expires with the state, so
    /// the usual reason is not another browser but a late return, or Back (and Connect again) after
    /// the cookie expired: say that, from what the state claims. Every answer here is a refusal; the
    /// claims only pick its words, and they are any bytes an attacker chose, so nothing in here may
    /// do arithmetic on them.
    func withoutBinding(_ stateText: String, now: Int64) -> Refusal {
        if let claims = signer.unverifiedClaims(stateText) {
            if nonces.wasClaimed(nonce: claims.nonce) { return Refusal(.linkUsed, .stateReplayed) }
            if signer.isExpired(issuedAt: claims.issuedAt, now: now) { return Refusal(.linkExpired, .stateExpired) }
        }
        return Refusal(.differentBrowser, .bindingMissing)
    }

    /// `access_denied` is the person's choice; anything else HubSpot sends is its own problem.
    /// Only the fixed word is compared, the text is never shown.
    static func providerPage(_ error: String) -> Page {
        error == "access_denied" ? .accessDenied : .providerError
    }

    /// A hook may choose where the user goes next, but only where `URLParts.hookRedirect` allows.
    static func safeRedirect(_ target: String?) -> String? {
        target.flatMap(URLParts.hookRedirect)
    }
}
