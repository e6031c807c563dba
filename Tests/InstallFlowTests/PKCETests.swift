import InstallCrypto
import Testing

@testable import InstallFlow

struct PKCETests {
    /// RFC 7636 Appendix B: the S256 challenge of the RFC's example verifier.
    @Test func challengeIsRFC7636S256() {
        #expect(
            PKCE.challenge(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
                == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    /// Computed independently with Python's hmac/hashlib:
    /// base64url(HMAC-SHA256(0xA1 * 32, b"hubspot-install pkce v1" + bytes(range(32)) + b"\x42" * 32)).
    @Test func verifierIsTheKeyedHashOfNonceAndCookie() {
        let key = StateKey(bytes: [UInt8](repeating: 0xA1, count: 32))
        let verifier = PKCE.verifier(
            key: key, nonce: Array(0..<32), binding: [UInt8](repeating: 0x42, count: 32))
        #expect(verifier == "zpPydW8JhA-cwnnj37ixztpxOQsDf0gr97WH-5_bR0k")
        #expect(verifier.utf8.count == 43)
        #expect(PKCE.challenge(verifier: verifier) == "7HmKt14B-6UpBK9qSK_FvW8aZHlg_mellZHWOyWy4Rk")
    }

    static func query(_ url: String, _ name: String) -> String? {
        guard let mark = url.firstIndex(of: "?") else { return nil }
        for pair in url[url.index(after: mark)...].split(separator: "&") where pair.hasPrefix(name + "=") {
            return String(pair.dropFirst(name.count + 1))
        }
        return nil
    }

    @Test func authorizeCarriesTheChallengeAndTheHookGetsTheVerifier() throws {
        let flow = try Flow(["HUBSPOT_PKCE": "S256"])
        let response = flow.get("/oauth/authorize")
        let location = try #require(response.header("Location"))
        let state = try #require(Self.query(location, "state"))
        let challenge = try #require(Self.query(location, "code_challenge"))
        #expect(location.hasSuffix("&state=\(state)&code_challenge=\(challenge)&code_challenge_method=S256"))
        #expect(challenge.utf8.count == 43)
        let cookie = String(try #require(response.header("Set-Cookie")).split(separator: ";")[0])

        #expect(flow.get("/oauth/callback?code=c&state=\(state)", cookie: cookie).reason == .ok)
        let verifier = try #require(flow.hook.grants.first?.codeVerifier?.value)
        #expect(verifier.utf8.count == 43)
        #expect(PKCE.challenge(verifier: verifier) == challenge)
        #expect("\(flow.hook.grants.first!.codeVerifier!)" == "<redacted>")
        #expect(
            String(decoding: flow.hook.grants[0].jsonBody(), as: UTF8.self).hasSuffix(
                ",\"code_verifier\":\"\(verifier)\"}"))
    }

    @Test func verifierIsRecomputedWithTheKeyThatVerified() throws {
        // Minted under key A; by the time the person comes back, B signs and A only verifies.
        let before = try Flow(["HUBSPOT_PKCE": "S256"])
        let response = before.get("/oauth/authorize")
        let location = try #require(response.header("Location"))
        let state = try #require(Self.query(location, "state"))
        let challenge = try #require(Self.query(location, "code_challenge"))
        let cookie = String(try #require(response.header("Set-Cookie")).split(separator: ";")[0])
        let after = try Flow(["HUBSPOT_PKCE": "S256", "INSTALL_STATE_KEYS": Fixture.keyB + " " + Fixture.keyA])
        #expect(after.get("/oauth/callback?code=c&state=\(state)", cookie: cookie).reason == .ok)
        let verifier = try #require(after.hook.grants.first?.codeVerifier?.value)
        #expect(PKCE.challenge(verifier: verifier) == challenge)
    }

    @Test func offLeavesTheAuthorizeURLAndTheHookJSONAsTheyWere() throws {
        let flow = try Flow(["HUBSPOT_PKCE": "off"])
        let (state, cookie) = flow.begin()
        let location = try #require(flow.get("/oauth/authorize").header("Location"))
        #expect(!location.contains("code_challenge"))
        #expect(try Flow().get("/oauth/authorize").header("Location")?.contains("code_challenge") == false)
        _ = flow.get("/oauth/callback?code=c&state=\(state)", cookie: cookie)
        let grant = try #require(flow.hook.grants.first)
        #expect(grant.codeVerifier == nil)
        #expect(!String(decoding: grant.jsonBody(), as: UTF8.self).contains("code_verifier"))
    }
}
