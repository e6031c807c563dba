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
    let prebuilt: PageResponses
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
        prebuilt = PageResponses { page in
            Response(
                status: page.status, headers: Self.headers(of: page), body: pages.body(page), reason: .ok,
                route: .other
            ).prepared()
        }
        health = Self.healthResponse()
        requestIDPrefix = Base64URL.encode(environment.randomBytes(6))
    }

    static let pageHeaders = Response.Header.security + [.init("Content-Type", "text/html; charset=utf-8")]

    /// The methods most routes take, and the `Allow` of the prepared "not allowed" page.
    static let readMethods = "GET, HEAD"

    /// The headers a page is served with, wherever its body comes from, built once in their final
    /// form: `allow` is the `Allow` of the "not allowed" page, `cacheControl` overrides the page's
    /// own (a page that names the person must not be kept).
    static func headers(of page: Page, allow: String = readMethods, cacheControl: String? = nil)
        -> [Response.Header]
    {
        var headers = pageHeaders
        headers.append(
            .init("Cache-Control", cacheControl ?? (page == .landing || page == .installed ? "no-cache" : "no-store")))
        if page == .methodNotAllowed { headers.append(.init("Allow", allow)) }
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
        var response = prebuilt[page]
        response.route = route
        response.reason = reason
        return response
    }

    /// The "not allowed" page: the prepared one when the route takes GET and HEAD, else the same
    /// page built with the route's own `Allow`.
    func notAllowed(_ route: Route, allow: String) -> Response {
        guard allow != Self.readMethods else { return page(.methodNotAllowed, route: route, reason: .methodNotAllowed) }
        return Response(
            status: Page.methodNotAllowed.status, headers: Self.headers(of: .methodNotAllowed, allow: allow),
            body: prebuilt[.methodNotAllowed].body, reason: .methodNotAllowed, route: route)
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
