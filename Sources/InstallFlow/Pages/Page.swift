/// The pages a person can see. Each error page says what happened in plain words and how to start
/// again; none shows anything from the request.
package enum Page: String, Sendable, CaseIterable {
    case landing
    case installed
    case invalidLink
    case differentBrowser
    case linkUsed
    case linkExpired
    case accessDenied
    case providerError
    case installFailed
    case hubSpotUnavailable
    case serviceUnavailable
    case hookBusy
    case notFound
    case methodNotAllowed
    /// The Marketplace install URL without a `returnUrl` we may send people to.
    case returnLinkInvalid

    /// The HTTP status the page is served with.
    var status: Int {
        switch self {
        case .landing, .installed: 200
        case .invalidLink, .differentBrowser, .linkUsed, .linkExpired, .accessDenied, .providerError,
            .returnLinkInvalid:
            400
        case .installFailed, .hubSpotUnavailable: 502
        case .serviceUnavailable, .hookBusy: 503
        case .notFound: 404
        case .methodNotAllowed: 405
        }
    }

    /// Title and message of an error page; nil for the landing and success pages.
    var words: (title: String, message: String)? {
        switch self {
        case .landing, .installed: nil
        case .invalidLink:
            (
                "This install link is not valid",
                "The link that brought you here is incomplete or was changed on the way. Nothing was installed. Please start the install again."
            )
        case .differentBrowser:
            (
                "Please finish in the browser you started in",
                "This link belongs to an install that was started in another browser, or your browser did not keep our cookie. Nothing was installed. Please start the install again here."
            )
        case .linkUsed:
            (
                "This link was already used",
                "This install link has already been used, so going back or reloading the page cannot use it again. If the app is not installed yet, please start again."
            )
        case .linkExpired:
            (
                "The install link expired",
                "Install links are only valid for a few minutes. Nothing was installed. Please start the install again."
            )
        case .accessDenied:
            (
                "Access was denied",
                "The app was not given access to your HubSpot account, so nothing was installed. You can start again whenever you like."
            )
        case .providerError:
            (
                "HubSpot could not connect the app",
                "HubSpot reported a problem and did not connect the app. Nothing was installed. Please start again; if it keeps happening, contact the app's developer."
            )
        case .installFailed:
            (
                "We could not finish the install",
                "HubSpot gave its consent, but we could not complete the connection on our side. Please start again; if it keeps happening, contact the app's developer."
            )
        case .hubSpotUnavailable:
            (
                "HubSpot did not answer",
                "We could not reach HubSpot to finish the install. Nothing was installed. Please try again in a minute."
            )
        case .serviceUnavailable:
            (
                "The install service is unavailable",
                "Something on our side is not working right now. Nothing was installed. Please try again in a minute."
            )
        case .hookBusy:
            (
                "Too many installs at once",
                "We are finishing other installs right now. Your link is still good: please wait a few seconds, then reload this page to finish. Nothing was installed yet."
            )
        case .notFound:
            ("Page not found", "There is nothing at this address. The install starts on the home page.")
        case .methodNotAllowed:
            ("Not allowed", "This page cannot be used that way. The install starts on the home page.")
        case .returnLinkInvalid:
            (
                "This install link did not come from HubSpot",
                "The link that brought you here does not say how to get back to HubSpot, or names a place we do not send people to. Nothing was installed. Please start the install again from the HubSpot Marketplace."
            )
        }
    }

    /// The template file the page is rendered from.
    var templateName: String {
        switch self {
        case .landing: "index.html"
        case .installed: "installed.html"
        default: "error.html"
        }
    }
}
