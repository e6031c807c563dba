/// Every page as a finished response, built once. One stored response per `Page` case, and the
/// lookup is a switch over the cases: the compiler refuses a new page without a response, so no
/// lookup can miss and none needs a force unwrap (a dictionary's could).
struct PageResponses: Sendable {
    private let landing: Response
    private let installed: Response
    private let invalidLink: Response
    private let differentBrowser: Response
    private let linkUsed: Response
    private let linkExpired: Response
    private let accessDenied: Response
    private let providerError: Response
    private let installFailed: Response
    private let hubSpotUnavailable: Response
    private let serviceUnavailable: Response
    private let hookBusy: Response
    private let notFound: Response
    private let methodNotAllowed: Response
    private let returnLinkInvalid: Response

    /// Builds the response of each page with `make`, once.
    init(_ make: (Page) -> Response) {
        landing = make(.landing)
        installed = make(.installed)
        invalidLink = make(.invalidLink)
        differentBrowser = make(.differentBrowser)
        linkUsed = make(.linkUsed)
        linkExpired = make(.linkExpired)
        accessDenied = make(.accessDenied)
        providerError = make(.providerError)
        installFailed = make(.installFailed)
        hubSpotUnavailable = make(.hubSpotUnavailable)
        serviceUnavailable = make(.serviceUnavailable)
        hookBusy = make(.hookBusy)
        notFound = make(.notFound)
        methodNotAllowed = make(.methodNotAllowed)
        returnLinkInvalid = make(.returnLinkInvalid)
    }

    subscript(page: Page) -> Response {
        switch page {
        case .landing: landing
        case .installed: installed
        case .invalidLink: invalidLink
        case .differentBrowser: differentBrowser
        case .linkUsed: linkUsed
        case .linkExpired: linkExpired
        case .accessDenied: accessDenied
        case .providerError: providerError
        case .installFailed: installFailed
        case .hubSpotUnavailable: hubSpotUnavailable
        case .serviceUnavailable: serviceUnavailable
        case .hookBusy: hookBusy
        case .notFound: notFound
        case .methodNotAllowed: methodNotAllowed
        case .returnLinkInvalid: returnLinkInvalid
        }
    }
}
