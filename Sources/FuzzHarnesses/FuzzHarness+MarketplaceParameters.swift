import InstallFlow

extension FuzzHarness {
    /// The Marketplace install URL's query (`/oauth/install?step=..&code=..&state=..&returnUrl=..`):
    /// parsed as the route parses it, and its `returnUrl` checked. An accepted return URL is where we
    /// send the browser, so whatever passes must be HubSpot's (or the one configured stand-in host),
    /// and adding our state to it must keep it one clean header value.
    static let marketplaceParameters = FuzzHarness("marketplace-parameters") { bytes in
        let query = String(decoding: bytes, as: UTF8.self)
        let extraHosts = [ReturnHost("localhost:8081")].compactMap { $0 }
        guard case .success(let values) = QueryParameters.parse(query, reading: ["returnUrl", "step", "code", "state"])
        else { return }
        // Values are any bytes (each consumer checks its own: the code, the state, the step words);
        // only the names asked for come back.
        for name in values.keys {
            check(["returnUrl", "step", "code", "state"].contains(name), "a parameter that was not asked for")
        }
        guard let text = values["returnUrl"], let returnURL = ReturnURL(text, extraHosts: extraHosts) else { return }
        check(returnURL.text == text, "the return URL was changed, not just checked")
        check(text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "an accepted return URL holds a control or space")
        check(text.utf8.count <= ReturnURL.maximumLength, "an accepted return URL is too long")
        let authority = text.drop { $0 != "/" }.dropFirst(2).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        check(!authority.contains("@"), "an accepted return URL has userinfo")
        let host = authority.lowercased()
        let isHubSpot = text.hasPrefix("https://") && (host == "app.hubspot.com" || host.hasPrefix("app-"))
            && host.hasSuffix(".hubspot.com") && !host.dropFirst(4).dropLast(12).contains(".")
        check(isHubSpot || host == "localhost:8081", "a return URL on a host that is neither HubSpot's nor configured")
        let withState = returnURL.adding(state: "AbC_-123")
        check(withState.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "the redirect holds a control or space")
        check(withState.contains("state=AbC_-123"), "the state is missing from the redirect")
        check(withState.hasPrefix(String(text.prefix { $0 != "?" && $0 != "#" })), "the redirect changed its target")
    }
}
