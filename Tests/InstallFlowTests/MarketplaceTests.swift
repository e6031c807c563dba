import Glibc
import Testing

@testable import InstallFlow

/// `/oauth/install`, HubSpot's Marketplace install URL, in both of HubSpot's flows.
struct MarketplaceTests {
    static let returnURL = "https://app-eu1.hubspot.com/marketplace/install?portalId=42"
    static let encodedReturn = PercentEncoding.encode(returnURL)

    /// `step=authorize` as HubSpot sends it: the state HubSpot will bring back, and the cookie.
    func handOut(_ flow: Flow, cookie: String? = nil) throws -> (state: String, cookie: String, response: Response) {
        let response = flow.get("/oauth/install?step=authorize&returnUrl=\(Self.encodedReturn)", cookie: cookie)
        let location = try #require(response.header("Location"))
        #expect(location.hasPrefix(Self.returnURL + "&state="))
        let state = String(location.dropFirst((Self.returnURL + "&state=").utf8.count))
        let setCookie = try #require(response.header("Set-Cookie"))
        return (state, String(setCookie.split(separator: ";")[0]), response)
    }

    func finalize(_ flow: Flow, code: String = "mp-code", state: String, cookie: String?) -> Response {
        flow.get(
            "/oauth/install?step=finalize&code=\(code)&state=\(state)&returnUrl=\(Self.encodedReturn)", cookie: cookie)
    }

    /// A refusal after the return URL was checked: fixed words, a link back to HubSpot, no hook.
    func expectRefusedWithWayBack(_ flow: Flow, _ response: Response, _ reason: Reason, status: Int = 400) {
        #expect(response.status == status)
        #expect(response.reason == reason)
        #expect(response.route == .install)
        #expect(response.header("Location") == nil)
        #expect(response.header("Cache-Control") == "no-store")
        #expect(response.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
        let body = flow.body(response)
        #expect(body.contains("<a class=\"button\" href=\"\(HTML.escape(Self.returnURL))\">Back to HubSpot</a>"))
        #expect(!body.contains("<script"))
        #expect(!body.contains("{{"))
    }

    // MARK: - off

    @Test func offAnswersNotFound() throws {
        let flow = try Flow()
        for uri in [
            "/oauth/install?code=c&returnUrl=\(Self.encodedReturn)",
            "/oauth/install?step=authorize&returnUrl=\(Self.encodedReturn)", "/oauth/install",
        ] {
            let response = flow.get(uri)
            #expect(response.status == 404)
            #expect(response.header("Set-Cookie") == nil)
        }
        #expect(flow.get("/oauth/install", method: "POST").status == 404)
        #expect(flow.hook.grants.isEmpty)
    }

    // MARK: - sign-in

    @Test func signInRoundTripRunsTheHookOnceAndReturnsToHubSpot() throws {
        let flow = try Flow(["INSTALL_MARKETPLACE": "sign-in"])
        let (state, cookie, handOut) = try handOut(flow)
        #expect(handOut.status == 303)
        #expect(handOut.route == .install)
        #expect(handOut.header("Cache-Control") == "no-store")
        #expect(state.utf8.count == StateSigner.encodedLength)
        let attributes = try #require(handOut.header("Set-Cookie")).split(separator: "; ").dropFirst().map(String.init)
        #expect(attributes == ["Max-Age=600", "Path=/", "HttpOnly", "SameSite=None", "Secure"])
        #expect(cookie.hasPrefix("__Host-hubspot-install="))
        #expect(flow.hook.grants.isEmpty)

        flow.clock.now += 20
        let response = finalize(flow, state: state, cookie: cookie)
        #expect(response.status == 303)
        #expect(response.reason == .ok)
        #expect(response.header("Location") == Self.returnURL)
        // The binding cookie stays until it expires, as after our own callback: another tab may still finish.
        #expect(response.header("Set-Cookie") == nil)
        let grant = try #require(flow.hook.grants.first)
        #expect(flow.hook.grants.count == 1)
        #expect(grant.code.value == "mp-code")
        #expect(grant.flow == .marketplace)
        #expect(grant.issuedAt == Fixture.start)
        #expect(grant.redirectURI == "https://install.example.com/oauth/callback")
        #expect(grant.codeVerifier == nil)
        let nonce = try #require(flow.responder.signer.unverifiedClaims(state)?.nonce)
        #expect(grant.installID == InstallID.forState(nonce: nonce))
        #expect(grant.requestID == response.requestID)

        // HubSpot (or the person) sending the same finalize again: used, and still a way back.
        expectRefusedWithWayBack(flow, finalize(flow, state: state, cookie: cookie), .stateReplayed)
        #expect(flow.hook.grants.count == 1)
    }

    @Test func signInOnLocalhostKeepsTheCookieLax() throws {
        let flow = try Flow([
            "INSTALL_MARKETPLACE": "sign-in", "HUBSPOT_REDIRECT_URI": "http://localhost:8080/oauth/callback",
        ])
        let (_, cookie, response) = try handOut(flow)
        #expect(cookie.hasPrefix("hubspot-install="))
        let attributes = try #require(response.header("Set-Cookie")).split(separator: "; ").dropFirst().map(String.init)
        #expect(attributes == ["Max-Age=600", "Path=/", "HttpOnly", "SameSite=Lax"])
    }

    @Test func signInReusesAWellFormedCookie() throws {
        let flow = try Flow(["INSTALL_MARKETPLACE": "sign-in"])
        let first = try handOut(flow)
        let second = try handOut(flow, cookie: first.cookie)
        #expect(second.cookie == first.cookie)
        #expect(finalize(flow, code: "one", state: first.state, cookie: first.cookie).reason == .ok)
        #expect(finalize(flow, code: "two", state: second.state, cookie: second.cookie).reason == .ok)
        #expect(flow.hook.grants.map(\.code.value) == ["one", "two"])
    }

    @Test func stateInAReturnURLWithAFragmentGoesBeforeIt() throws {
        let flow = try Flow(["INSTALL_MARKETPLACE": "sign-in"])
        let response = flow.get(
            "/oauth/install?step=authorize&returnUrl=" + PercentEncoding.encode("https://app.hubspot.com/i#done"))
        let location = try #require(response.header("Location"))
        #expect(location.hasPrefix("https://app.hubspot.com/i?state="))
        #expect(location.hasSuffix("#done"))
    }

    struct Hostile: Sendable, CustomTestStringConvertible {
        var name: String
        var reason: Reason
        var page: Page
        /// The query after `returnUrl=...&`, given the state and the cookie of a genuine hand-out.
        var query: @Sendable (_ state: String) -> String
        var cookie: @Sendable (_ genuine: String) -> String? = { $0 }
        var testDescription: String { name }
    }

    static let signInHostile: [Hostile] = [
        Hostile(name: "no step", reason: .stepInvalid, page: .invalidLink, query: { _ in "" }),
        Hostile(name: "empty step", reason: .stepInvalid, page: .invalidLink, query: { _ in "step=" }),
        Hostile(name: "unknown step", reason: .stepInvalid, page: .invalidLink, query: { _ in "step=install" }),
        Hostile(name: "step in capitals", reason: .stepInvalid, page: .invalidLink, query: { _ in "step=FINALIZE" }),
        Hostile(name: "direct-style", reason: .flowMismatch, page: .invalidLink, query: { _ in "code=c" }),
        Hostile(
            name: "direct-style with a state", reason: .flowMismatch, page: .invalidLink,
            query: { "code=c&state=\($0)" }),
        Hostile(
            name: "finalize without state", reason: .stateMissing, page: .invalidLink,
            query: { _ in "step=finalize&code=c" }),
        Hostile(
            name: "finalize without code", reason: .codeMissing, page: .invalidLink,
            query: { "step=finalize&state=\($0)" }),
        Hostile(
            name: "finalize with an over-long code", reason: .codeMalformed, page: .invalidLink,
            query: { "step=finalize&state=\($0)&code=" + String(repeating: "c", count: 513) }),
        Hostile(
            name: "finalize without the cookie", reason: .bindingMissing, page: .differentBrowser,
            query: { "step=finalize&code=c&state=\($0)" }, cookie: { _ in nil }),
        Hostile(
            name: "finalize with another browser's cookie", reason: .stateBadTag, page: .invalidLink,
            query: { "step=finalize&code=c&state=\($0)" },
            cookie: { _ in "__Host-hubspot-install=" + String(repeating: "A", count: 43) }),
        Hostile(
            name: "finalize with a malformed cookie", reason: .bindingMalformed, page: .differentBrowser,
            query: { "step=finalize&code=c&state=\($0)" }, cookie: { _ in "__Host-hubspot-install=x" }),
        Hostile(
            name: "finalize with two cookies", reason: .bindingDuplicated, page: .differentBrowser,
            query: { "step=finalize&code=c&state=\($0)" }, cookie: { "\($0); \($0)" }),
        Hostile(
            name: "finalize with a tampered state", reason: .stateBadTag, page: .invalidLink,
            query: { "step=finalize&code=c&state=" + String($0.dropLast()) + ($0.hasSuffix("A") ? "B" : "A") }),
        Hostile(
            name: "finalize with a malformed state", reason: .stateMalformed, page: .invalidLink,
            query: { _ in "step=finalize&code=c&state=abc" }),
        Hostile(
            name: "finalize with two states", reason: .queryDuplicated, page: .invalidLink,
            query: { "step=finalize&code=c&state=\($0)&state=\($0)" }),
        Hostile(
            name: "finalize with two codes", reason: .queryDuplicated, page: .invalidLink,
            query: { "step=finalize&code=c&code=d&state=\($0)" }),
    ]

    @Test(arguments: signInHostile)
    func hostileSignInRequestIsRefusedWithAWayBack(_ hostile: Hostile) throws {
        let flow = try Flow(["INSTALL_MARKETPLACE": "sign-in"])
        let genuine = try handOut(flow)
        let response = flow.get(
            "/oauth/install?returnUrl=\(Self.encodedReturn)&" + hostile.query(genuine.state),
            cookie: hostile.cookie(genuine.cookie))
        expectRefusedWithWayBack(flow, response, hostile.reason)
        #expect(flow.body(response).contains(HTML.escape(hostile.page.words!.title)))
        #expect(response.header("Set-Cookie") == nil)
        #expect(flow.hook.grants.isEmpty)
        // None of these used the state up.
        #expect(finalize(flow, state: genuine.state, cookie: genuine.cookie).reason == .ok)
    }

    @Test func expiredStateIsRefusedAsTheCallbackRefusesIt() throws {
        let flow = try Flow(["INSTALL_MARKETPLACE": "sign-in"])
        let (state, cookie, _) = try handOut(flow)
        flow.clock.now += 601
        let response = finalize(flow, state: state, cookie: cookie)
        expectRefusedWithWayBack(flow, response, .stateExpired)
        #expect(flow.body(response).contains(HTML.escape(Page.linkExpired.words!.title)))
        // The callback says the same of the same state.
        #expect(flow.get("/oauth/callback?code=c&state=\(state)", cookie: cookie).reason == .stateExpired)
        #expect(flow.hook.grants.isEmpty)
    }

    // MARK: - direct

    @Test func directRunsTheHookOncePerCode() throws {
        let flow = try Flow(["INSTALL_MARKETPLACE": "direct"])
        let response = flow.get("/oauth/install?code=d-code&returnUrl=\(Self.encodedReturn)")
        #expect(response.status == 303)
        #expect(response.reason == .ok)
        #expect(response.header("Location") == Self.returnURL)
        #expect(response.header("Set-Cookie") == nil)
        let grant = try #require(flow.hook.grants.first)
        #expect(grant.code.value == "d-code")
        #expect(grant.flow == .marketplace)
        #expect(grant.installID == InstallID.forCode(AuthorizationCode("d-code")))
        #expect(grant.issuedAt == Fixture.start)
        #expect(grant.codeVerifier == nil)

        // The same code again (a refresh, HubSpot retrying): the hook does not run twice.
        expectRefusedWithWayBack(
            flow, flow.get("/oauth/install?returnUrl=\(Self.encodedReturn)&code=d-code"), .codeReplayed)
        #expect(flow.hook.grants.count == 1)
        // Another code is another install.
        #expect(flow.get("/oauth/install?code=d-code-2&returnUrl=\(Self.encodedReturn)").reason == .ok)
        #expect(flow.hook.grants.map(\.code.value) == ["d-code", "d-code-2"])
    }

    @Test(arguments: [
        ("step=authorize", "flow_mismatch"), ("step=finalize&code=c&state=s", "flow_mismatch"),
        ("step=x&code=c", "flow_mismatch"), ("", "code_missing"), ("code=", "code_missing"),
        ("code=a%20b", "code_malformed"), ("code=a&code=b", "query_duplicated"),
    ])
    func hostileDirectRequestIsRefusedWithAWayBack(query: String, reason: String) throws {
        let flow = try Flow(["INSTALL_MARKETPLACE": "direct"])
        let response = flow.get("/oauth/install?returnUrl=\(Self.encodedReturn)&" + query)
        expectRefusedWithWayBack(flow, response, try #require(Reason(rawValue: reason)))
        #expect(response.header("Set-Cookie") == nil)
        #expect(flow.hook.grants.isEmpty)
    }

    @Test(arguments: [
        (HookFailure.Kind.failed, Page.installFailed, 502), (.timedOut, .installFailed, 502),
        (.codeRejected, .linkExpired, 400), (.providerUnavailable, .hubSpotUnavailable, 502),
    ])
    func hookFailureShowsItsPageWithAWayBack(kind: HookFailure.Kind, page: Page, status: Int) throws {
        for mode in ["direct", "sign-in"] {
            let flow = try Flow(
                ["INSTALL_MARKETPLACE": mode],
                hook: RecordingHook { _ throws(HookFailure) in throw HookFailure(kind, detail: "exit status 3") })
            let response: Response
            if mode == "direct" {
                response = flow.get("/oauth/install?code=c&returnUrl=\(Self.encodedReturn)")
            } else {
                let genuine = try handOut(flow)
                response = finalize(flow, state: genuine.state, cookie: genuine.cookie)
                #expect(response.header("Set-Cookie") == nil)
            }
            expectRefusedWithWayBack(flow, response, kind.reason, status: status)
            #expect(flow.body(response).contains(HTML.escape(page.words!.title)))
            #expect(response.diagnostics == "exit status 3")
            #expect(flow.hook.grants.count == 1)
        }
    }

    @Test func hookRedirectIsNotFollowed() throws {
        let flow = try Flow(
            ["INSTALL_MARKETPLACE": "direct"],
            hook: RecordingHook { _ in HookOutcome(redirect: "https://app.example.com/welcome") })
        #expect(
            flow.get("/oauth/install?code=c&returnUrl=\(Self.encodedReturn)").header("Location") == Self.returnURL)
    }

    // MARK: - both

    static let hostileReturn: [(String, String)] = [
        ("missing", ""),
        ("empty", "returnUrl="),
        ("given twice", "returnUrl=\(encodedReturn)&returnUrl=\(encodedReturn)"),
        ("given twice, the second elsewhere", "returnUrl=\(encodedReturn)&returnUrl=https%3A%2F%2Fevil.test%2F"),
        ("another host", "returnUrl=https%3A%2F%2Fevil.test%2F"),
        ("HubSpot as a prefix", "returnUrl=https://app.hubspot.com.evil.test/"),
        ("HubSpot as a suffix", "returnUrl=https://evilapp.hubspot.com/"),
        ("userinfo", "returnUrl=https://app-eu1.hubspot.com%40evil.test/"),
        ("no slashes", "returnUrl=https:app.hubspot.com"),
        ("scheme-relative", "returnUrl=//app.hubspot.com/"),
        ("javascript", "returnUrl=javascript:alert(document.cookie)"),
        ("http", "returnUrl=http://app.hubspot.com/"),
        ("IP", "returnUrl=https://192.0.2.7/"),
        ("control character", "returnUrl=https://app.hubspot.com/%0D%0ALocation:%20https://evil.test/"),
        ("space", "returnUrl=https://app.hubspot.com/%20x"),
        ("encoded dot, decoded once", "returnUrl=https://app%252Ehubspot.com/"),
        ("over-long", "returnUrl=https://app.hubspot.com/" + String(repeating: "a", count: 2100)),
        ("broken escape", "returnUrl=https://app.hubspot.com/%zz"),
    ]

    @Test(arguments: hostileReturn)
    func hostileReturnURLIsRefusedAndNothingHappens(name: String, query: String) throws {
        for mode in ["direct", "sign-in"] {
            let flow = try Flow(["INSTALL_MARKETPLACE": mode])
            for rest in ["code=c", "step=authorize", "step=finalize&code=c&state=s"] {
                let response = flow.get("/oauth/install?\(rest)&\(query)")
                #expect(response.status == 400, "\(name) \(mode) \(rest)")
                #expect(
                    [.returnURLInvalid, .queryTooLarge, .queryMalformed].contains(response.reason),
                    "\(name)")
                #expect(response.header("Location") == nil)
                #expect(response.header("Set-Cookie") == nil)
                let body = flow.body(response)
                #expect(!body.contains("evil"))
                #expect(!body.contains("Back to HubSpot"))
                #expect(response.header("Cache-Control") == "no-store")
            }
            #expect(flow.hook.grants.isEmpty)
        }
    }

    @Test func returnURLIsEscapedInTheLink() throws {
        let flow = try Flow(["INSTALL_MARKETPLACE": "direct"])
        let url = "https://app.hubspot.com/x?a=1&b='2'&c=\"<3>\""
        let response = flow.get("/oauth/install?returnUrl=" + PercentEncoding.encode(url))
        #expect(response.reason == .codeMissing)
        let body = flow.body(response)
        #expect(body.contains("href=\"https://app.hubspot.com/x?a=1&amp;b=&#39;2&#39;&amp;c=&quot;&lt;3&gt;&quot;\""))
        #expect(!body.contains("<3>"))
    }

    @Test func returnHostsOfTheConfigurationAreAccepted() throws {
        let flow = try Flow(["INSTALL_MARKETPLACE": "direct", "INSTALL_RETURN_HOSTS": "localhost:9000"])
        #expect(
            flow.get("/oauth/install?code=c&returnUrl=http://localhost:9000/return").header("Location")
                == "http://localhost:9000/return")
        #expect(
            flow.get("/oauth/install?code=c2&returnUrl=http://localhost:9001/return").reason == .returnURLInvalid)
    }

    @Test func headNeverRunsTheHookNorSetsACookie() throws {
        for mode in ["direct", "sign-in"] {
            let flow = try Flow(["INSTALL_MARKETPLACE": mode])
            for query in ["code=c", "step=authorize", "step=finalize&code=c&state=s"] {
                let head = flow.get("/oauth/install?\(query)&returnUrl=\(Self.encodedReturn)", method: "HEAD")
                #expect(head.status == 204)
                #expect(head.reason == .headIgnored)
                #expect(head.header("Set-Cookie") == nil)
                #expect(head.header("Cache-Control") == "no-store")
            }
            #expect(flow.hook.grants.isEmpty)
        }
        // The code a HEAD saw is still good.
        let flow = try Flow(["INSTALL_MARKETPLACE": "direct"])
        _ = flow.get("/oauth/install?code=c&returnUrl=\(Self.encodedReturn)", method: "HEAD")
        #expect(flow.get("/oauth/install?code=c&returnUrl=\(Self.encodedReturn)").reason == .ok)
    }

    @Test func otherMethodsAreNotAllowed() throws {
        let flow = try Flow(["INSTALL_MARKETPLACE": "direct"])
        let post = flow.get("/oauth/install?code=c&returnUrl=\(Self.encodedReturn)", method: "POST")
        #expect(post.status == 405)
        #expect(post.header("Allow") == "GET, HEAD")
        #expect(flow.hook.grants.isEmpty)
    }

    @Test(arguments: ["direct", "sign-in"])
    func everyResponseCarriesTheSecurityHeaders(mode: String) throws {
        let flow = try Flow(["INSTALL_MARKETPLACE": mode])
        for query in [
            "code=c&returnUrl=\(Self.encodedReturn)", "step=authorize&returnUrl=\(Self.encodedReturn)",
            "returnUrl=https://evil.test/", "step=nope&returnUrl=\(Self.encodedReturn)",
        ] {
            let response = flow.get("/oauth/install?" + query)
            #expect(response.header("X-Content-Type-Options") == "nosniff")
            #expect(response.header("Referrer-Policy") == "no-referrer")
            #expect(response.header("X-Frame-Options") == "DENY")
            #expect(response.header("Content-Security-Policy")?.hasPrefix("default-src 'none'") == true)
            #expect(response.header("Cache-Control") == "no-store")
        }
    }

    @Test func marketplaceTemplateIsNeededOnlyWhenTheFlowIsOn() throws {
        var template = "/tmp/hubspot-install-pages-XXXXXX".utf8CString
        let directory = try #require(
            template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map {
                String(cString: $0)
            })
        defer {
            for name in ["index.html", "installed.html", "error.html"] { unlink(directory + "/" + name) }
            rmdir(directory)
        }
        for name in ["index.html", "installed.html", "error.html"] {
            let text = try #require(FileSystem.readText(Fixture.repositoryRoot + "/public/" + name))
            let file = try #require(fopen(directory + "/" + name, "w"))
            fputs(text, file)
            fclose(file)
        }
        _ = try Pages.load(configuration: try Fixture.configuration(["INSTALL_PUBLIC_DIR": directory]))
        #expect {
            _ = try Pages.load(
                configuration: try Fixture.configuration([
                    "INSTALL_PUBLIC_DIR": directory, "INSTALL_MARKETPLACE": "direct",
                ]))
        } throws: { error in
            (error as? ConfigurationError)?.problems.contains { $0.message.contains("marketplace.html") } == true
        }
    }
}
