import Testing

@testable import InstallFlow

struct AuthorizeTests {
    @Test func authorizeURLIsExactByteForByte() throws {
        let flow = try Flow()
        let response = flow.get("/oauth/authorize")
        #expect(response.status == 302)
        let location = try #require(response.header("Location"))
        let (state, _) = flow.begin()
        #expect(state.utf8.count == StateSigner.encodedLength)
        let prefix =
            "https://app.hubspot.com/oauth/authorize?client_id=9b4a5e2c-1f3d-4a8b-9c7e-6d5f4e3c2b1a"
            + "&redirect_uri=https%3A%2F%2Finstall.example.com%2Foauth%2Fcallback&scope=oauth%20contacts"
            + "&optional_scope=automation&state="
        #expect(location.hasPrefix(prefix))
        let stateInURL = String(location.dropFirst(prefix.count))
        #expect(stateInURL.utf8.count == StateSigner.encodedLength)
        #expect(
            stateInURL.utf8.allSatisfy {
                $0 == 0x2D || $0 == 0x5F || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A)
            })
    }

    @Test func optionalScopeIsLeftOutWhenEmptyAndOauthIsAlwaysThere() throws {
        let flow = try Flow(["HUBSPOT_SCOPES": "crm.objects.contacts.read", "HUBSPOT_OPTIONAL_SCOPES": nil])
        let location = try #require(flow.get("/oauth/authorize").header("Location"))
        #expect(location.contains("&scope=oauth%20crm.objects.contacts.read&state="))
        #expect(!location.contains("optional_scope"))
    }

    @Test func authorizeURLKeepsAnExistingQueryAndEncodesSpecials() throws {
        let flow = try Flow([
            "HUBSPOT_AUTHORIZE_URL": "https://app-eu1.hubspot.com/oauth/authorize?locale=de",
            "HUBSPOT_CLIENT_ID": "id&x=1", "HUBSPOT_REDIRECT_URI": "https://install.example.com/cb?tenant=a%20b",
        ])
        let location = try #require(flow.get("/oauth/authorize").header("Location"))
        #expect(
            location.hasPrefix(
                "https://app-eu1.hubspot.com/oauth/authorize?locale=de&client_id=id%26x%3D1&redirect_uri=https%3A%2F%2Finstall.example.com%2Fcb%3Ftenant%3Da%2520b&scope="
            ))
    }

    @Test func cookieForHTTPSIsHostPrefixedAndSecure() throws {
        let flow = try Flow()
        let cookie = try #require(flow.get("/oauth/authorize").header("Set-Cookie"))
        let parts = cookie.split(separator: "; ").map(String.init)
        #expect(parts[0].hasPrefix("__Host-hubspot-install="))
        #expect(parts[0].utf8.count == "__Host-hubspot-install=".utf8.count + 43)
        #expect(Array(parts.dropFirst()) == ["Max-Age=600", "Path=/", "HttpOnly", "SameSite=Lax", "Secure"])
    }

    @Test func cookieForLocalhostIsPlainWithoutSecure() throws {
        let flow = try Flow([
            "HUBSPOT_REDIRECT_URI": "http://localhost:8080/oauth/callback", "INSTALL_STATE_TTL": "300",
        ])
        let cookie = try #require(flow.get("/oauth/authorize").header("Set-Cookie"))
        let parts = cookie.split(separator: "; ").map(String.init)
        #expect(parts[0].hasPrefix("hubspot-install="))
        #expect(Array(parts.dropFirst()) == ["Max-Age=300", "Path=/", "HttpOnly", "SameSite=Lax"])
    }

    @Test func wellFormedCookieIsReusedSoTwoTabsCanFinish() throws {
        let flow = try Flow()
        let first = flow.begin()
        let second = flow.begin(cookie: first.cookie)
        #expect(second.cookie == first.cookie)
        #expect(second.state != first.state)
        #expect(flow.get("/oauth/callback?code=one&state=\(first.state)", cookie: first.cookie).reason == .ok)
        #expect(flow.get("/oauth/callback?code=two&state=\(second.state)", cookie: second.cookie).reason == .ok)
        #expect(flow.hook.grants.map(\.code.value) == ["one", "two"])
    }

    @Test func malformedCookieIsReplaced() throws {
        let flow = try Flow()
        let fresh = flow.begin(cookie: "__Host-hubspot-install=garbage")
        #expect(fresh.cookie != "__Host-hubspot-install=garbage")
    }

    @Test func authorizeIsNotCachedAndOnlyAnswersGet() throws {
        let flow = try Flow()
        #expect(flow.get("/oauth/authorize").header("Cache-Control") == "no-store")
        let post = flow.get("/oauth/authorize", method: "POST")
        #expect(post.status == 405)
        #expect(post.header("Allow") == "GET")
    }

    @Test(arguments: ["4242", "1", "12345678901234567890"])
    func hubIDPinsTheAccount(_ hubID: String) throws {
        let flow = try Flow()
        let response = flow.get("/oauth/authorize?utm_source=x&hub_id=\(hubID)")
        #expect(response.status == 302)
        let location = try #require(response.header("Location"))
        #expect(
            location.hasPrefix(
                "https://app.hubspot.com/oauth/\(hubID)/authorize?client_id=9b4a5e2c-1f3d-4a8b-9c7e-6d5f4e3c2b1a"
                    + "&redirect_uri=https%3A%2F%2Finstall.example.com%2Foauth%2Fcallback&scope=oauth%20contacts"
                    + "&optional_scope=automation&state="))
        #expect(response.header("Set-Cookie") != nil)
    }

    @Test func hubIDKeepsTheConfiguredHostAndQuery() throws {
        let flow = try Flow(["HUBSPOT_AUTHORIZE_URL": "https://app-eu1.hubspot.com/oauth/authorize?locale=de"])
        let location = try #require(flow.get("/oauth/authorize?hub_id=77").header("Location"))
        #expect(location.hasPrefix("https://app-eu1.hubspot.com/oauth/77/authorize?locale=de&client_id="))
    }

    @Test(arguments: [
        "hub_id=", "hub_id=12a", "hub_id=-1", "hub_id=%2B1", "hub_id=1%200", "hub_id=123456789012345678901",
        "hub_id=%EF%BC%91", "hub_id=1&hub_id=2", "hub_id=1&hub_id=1", "hub_id=../x",
    ])
    func badHubIDIsRefusedWithoutACookie(_ query: String) throws {
        let flow = try Flow()
        let response = flow.get("/oauth/authorize?" + query)
        #expect(response.status == 400)
        #expect(response.reason == .hubIDInvalid)
        #expect(response.header("Set-Cookie") == nil)
        #expect(response.header("Location") == nil)
        #expect(response.header("Cache-Control") == "no-store")
        #expect(flow.body(response).contains(HTML.escape(Page.invalidLink.words!.title)))
    }

    @Test func otherParametersAreIgnored() throws {
        let flow = try Flow()
        let plain = try #require(flow.get("/oauth/authorize").header("Location"))
        let other = try #require(flow.get("/oauth/authorize?hub=1&Hub_id=2&x=%zz").header("Location"))
        #expect(other.prefix(while: { $0 != "&" }) == plain.prefix(while: { $0 != "&" }))
        #expect(!other.contains("/oauth/1/") && !other.contains("/oauth/2/"))
    }
}
