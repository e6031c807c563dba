extension Configuration {
    /// What `hubspot-install check` prints for a good configuration: what the responder will do,
    /// in terms the operator can compare with the app's settings in HubSpot. No secret appears.
    package func summary() -> String {
        var lines = [String]()
        lines.append("Configuration is valid.")
        lines.append("")
        lines.append("App name:       \(appName)")
        lines.append("Client id:      \(clientID)")
        lines.append("Redirect URI:   \(redirectURI)   (register exactly this in the app's Auth settings)")
        let authorize = AuthorizeURL(configuration: self)
        let challenge = pkce == .s256 ? "<challenge>" : nil
        lines.append("Authorize URL:  \(authorize.url(state: "<state>", challenge: challenge))")
        if pkce == .s256 { lines.append("PKCE:           S256 (the hook receives code_verifier)") }
        lines.append("Marketplace:    " + marketplaceLine)
        lines.append("")
        lines.append("Required scopes (must match the app's required scopes):")
        for scope in scopes { lines.append(Self.describe(scope, tier: false)) }
        lines.append("Optional scopes:" + (optionalScopes.isEmpty ? " none" : ""))
        for scope in optionalScopes { lines.append(Self.describe(scope, tier: true)) }
        lines.append("")
        lines.append("Routes:")
        lines.append("  GET /                  landing page")
        lines.append("  GET /oauth/authorize   redirect to HubSpot, sets the browser-binding cookie")
        if authorize.canPinAccount {
            lines.append("      ?hub_id=DIGITS     the same, pinned to one HubSpot account")
        }
        if marketplace != .off {
            lines.append("  GET /oauth/install     HubSpot Marketplace install URL (\(marketplace.rawValue) flow)")
        }
        lines.append("  GET \(callbackPath.padding(19))verifies state and cookie, runs the hook once")
        lines.append("  GET /installed         success page")
        lines.append("  GET /healthz           200 ok")
        lines.append("")
        let hook: String
        switch tokenHook {
        case .exec(let path): hook = "exec \(path) (timeout \(Self.seconds(hookTimeout)))"
        case .webhook(let url): hook = "webhook \(url) (timeout \(Self.seconds(hookTimeout)))"
        case .hubspot:
            hook = "built-in HubSpot token exchange at \(tokenURL), tokens in \(TokenDatabase.redacted(tokenDatabase))"
        }
        lines.append("Token hook:     \(hook)")
        if !hookEnvironment.isEmpty { lines.append("Hook may see:   \(hookEnvironment.joined(separator: " "))") }
        lines.append("State:          valid \(stateTTL) s, \(stateKeys.count) key(s), markers in \(stateDirectory)")
        lines.append("Templates:      \(publicDirectory)")
        lines.append("After success:  \(successURL)")
        for warning in warnings { lines.append(warning.description) }
        if let clear = tokensInClearWarning { lines.append(clear.description) }
        return lines.joined(separator: "\n")
    }

    /// `check`'s warning when the hubspot hook would store tokens without INSTALL_TOKEN_KEYS. Not
    /// among `warnings`, which `serve` prints at every start: an operator who chose to keep tokens
    /// in clear is told once, by `check`.
    package var tokensInClearWarning: ConfigurationProblem? {
        let named = [Setting.tokenKeys, .tokenKeysFile].contains {
            environment[$0.rawValue].map { !$0.trimmingSpaces().isEmpty } ?? false
        }
        guard tokenHook == .hubspot, !named else { return nil }
        return ConfigurationProblem(
            .tokenKeys,
            message: "not set: the hubspot hook stores access and refresh tokens in clear in \(Setting.tokenDatabase); "
                + "make a key with `hubspot-install keygen`",
            isWarning: true)
    }

    /// The Marketplace install URL to enter in the listing, and which of HubSpot's flows it serves.
    private var marketplaceLine: String {
        guard let parts = URLParts(redirectURI) else { return "off" }
        let url = parts.scheme + "://" + parts.host + (parts.port.map { ":\($0)" } ?? "") + "/oauth/install"
        switch marketplace {
        case .off: return "off (\(Setting.marketplace)=sign-in or direct serves \(url))"
        case .signIn: return "install URL \(url), flow with partner sign-in (step=authorize, step=finalize)"
        case .direct: return "install URL \(url), flow without partner sign-in (code and returnUrl only)"
        }
    }

    private static func describe(_ scope: String, tier: Bool) -> String {
        guard let entry = ScopeCatalogue.entry(for: scope) else {
            return "  \(scope) (not in this version's catalogue)"
        }
        return "  \(scope): \(entry.description)" + (tier ? " [only for: \(entry.tier)]" : "")
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
