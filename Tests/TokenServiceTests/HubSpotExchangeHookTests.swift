import Foundation
import InstallFlow
import Testing

@testable import TokenService

/// The built-in exchange against the HubSpot stand-in (Tests/integration/hubspot_standin.py),
/// which answers as docs/hubspot.md describes; failures are injected through its control endpoints.
struct HubSpotExchangeHookTests {
    let standIn: PythonServer
    let directory = TemporaryDirectory()
    let store: SQLiteTokenStore

    init() throws {
        standIn = try PythonServer.standIn()
        store = try SQLiteTokenStore(path: directory.path + "/tokens.sqlite3")
    }

    func hook(version: String = "2026-03", timeout: Double = 5, secret: String = StandIn.clientSecret) -> HubSpotExchangeHook
    {
        HubSpotExchangeHook(
            tokenURL: standIn.url + "/oauth/\(version)/token", clientSecret: Secret(secret), timeout: timeout,
            store: store, now: { 1_790_000_000 })
    }

    /// A fresh code, the way a browser gets one: authorize, auto-consent, read the redirect.
    func freshCode(challenge: String? = nil) throws -> String {
        var query =
            "client_id=\(StandIn.clientID)&redirect_uri=\(FormBody.percentEncoded(StandIn.redirectURI))"
            + "&scope=oauth%20contacts&optional_scope=automation%20social"
        if let challenge { query += "&code_challenge=\(challenge)&code_challenge_method=S256" }
        let answer = try standIn.get("/oauth/authorize?" + query)
        #expect(answer.status == 302)
        let location = try #require(answer.header("Location"))
        let code = URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value
        return try #require(code)
    }

    func grant(_ code: String) -> AuthorizationGrant {
        AuthorizationGrant(
            code: AuthorizationCode(code), redirectURI: StandIn.redirectURI, clientID: StandIn.clientID,
            scopes: ["oauth", "contacts"], optionalScopes: ["automation", "social"], issuedAt: 1_790_000_000,
            requestID: "req-1")
    }

    func inject(_ rule: [String: Any]) throws {
        try standIn.postJSON("/_standin/fail", rule)
    }

    /// The detail of the failure `body` throws; nil if it did not throw.
    func failure(_ body: () throws(HookFailure) -> HookOutcome) -> HookFailure? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: ["v3", "v1", "2026-03"])
    func codeIsExchangedAndTheTokensStored(version: String) throws {
        let outcome = try hook(version: version).exchange(grant(freshCode()))
        #expect(outcome.account == "acme.hubspot.com")
        #expect(outcome.ungrantedOptionalScopes == ["social"])
        #expect(outcome.redirect == nil)

        let install = try #require(try store.install(hubID: 4242))
        #expect(install.hubDomain == "acme.hubspot.com")
        #expect(install.scopes.sorted() == ["automation", "contacts", "oauth"])
        #expect(install.expiresAt == Int64(1_790_001_800))
        #expect(install.installedAt == 1_790_000_000)
        #expect(install.tokenType == "bearer")
        #expect(install.accessToken.value.hasPrefix("CK"))
        #expect(install.refreshToken.value.hasPrefix("na1-"))

        let requests = try #require(try standIn.getJSON("/_standin/requests") as? [[String: Any]])
        let token = try #require(requests.first { $0["endpoint"] as? String == "token" })
        #expect(token["content_type"] as? String == "application/x-www-form-urlencoded")
        #expect((token["query"] as? [String: Any])?.isEmpty == true)
        #expect((token["params"] as? [String: String])?["grant_type"] == "authorization_code")
    }

    @Test func reinstallReplacesTheRow() throws {
        _ = try hook().exchange(grant(freshCode()))
        let first = try #require(try store.install(hubID: 4242))
        _ = try hook().exchange(grant(freshCode()))
        let installs = try store.installs()
        #expect(installs.count == 1)
        #expect(installs.first?.refreshToken != first.refreshToken)
    }

    @Test func usedCodeMeansStartAgain() throws {
        let code = try freshCode()
        _ = try hook().exchange(grant(code))
        let failure = try #require(failure { () throws(HookFailure) in try hook().exchange(grant(code)) })
        #expect(failure.kind == .codeRejected)
        #expect(failure.detail.contains("BAD_AUTH_CODE"))
    }

    @Test(arguments: ["v3", "v1"])
    func expiredCodeMeansStartAgain(version: String) throws {
        let code = try freshCode()
        try standIn.postJSON("/_standin/config", ["code_ttl": 0])
        let failure = try #require(
            failure { () throws(HookFailure) in try hook(version: version).exchange(grant(code)) })
        #expect(failure.kind == .codeRejected)
        #expect(failure.detail.contains("EXPIRED_AUTH_CODE"))
    }

    @Test func unknownCodeIsRejectedOnTheNewestEndpoint() throws {
        let failure = try #require(
            failure { () throws(HookFailure) in try hook(version: "2026-03").exchange(grant("no-such-code")) })
        #expect(failure.kind == .codeRejected)
    }

    @Test(arguments: ["v3", "v1"])
    func wrongSecretIsTheOperatorsProblem(version: String) throws {
        let code = try freshCode()
        let failure = try #require(
            failure { () throws(HookFailure) in
                try hook(version: version, secret: "wrong-secret-value").exchange(grant(code))
            })
        #expect(failure.kind == .failed)
        #expect(failure.detail.contains("HubSpot said BAD_CLIENT_SECRET"))
        #expect(!failure.detail.contains("wrong-secret-value"))
        #expect(try store.installs().isEmpty)
    }

    @Test func wrongRedirectURIIsTheOperatorsProblem() throws {
        var wrong = grant(try freshCode())
        wrong.redirectURI = "http://localhost:8080/other"
        let failure = try #require(failure { () throws(HookFailure) in try hook().exchange(wrong) })
        #expect(failure.kind == .failed)
        #expect(failure.detail.contains("BAD_REDIRECT_URI"))
    }

    @Test func validationErrorIsTheOperatorsProblem() throws {
        var empty = grant(try freshCode())
        empty.clientID = ""
        let failure = try #require(failure { () throws(HookFailure) in try hook().exchange(empty) })
        #expect(failure.kind == .failed)
        #expect(failure.detail.contains("VALIDATION_ERROR"))
    }

    struct Injected: Sendable, CustomTestStringConvertible {
        var name: String
        var rule: [String: String]
        var words: String
        var testDescription: String { name }
    }

    static let unavailable: [Injected] = [
        Injected(name: "500 JSON", rule: ["status": "500"], words: "answered 500"),
        Injected(name: "503 HTML", rule: ["status": "503", "body": "<html>down</html>"], words: "answered 503"),
        Injected(name: "429", rule: ["status": "429"], words: "rate limited"),
        Injected(
            name: "200 malformed JSON", rule: ["status": "200", "body": "{\"access_token\": \"CKx"], words: "not a JSON"
        ),
        Injected(
            name: "200 without access_token", rule: ["status": "200", "body": "{\"refresh_token\":\"r\"}"],
            words: "without an access_token"),
        Injected(
            name: "200 empty access_token",
            rule: ["status": "200", "body": "{\"access_token\":\"\",\"refresh_token\":\"r\"}"],
            words: "without an access_token"),
        Injected(name: "connection dropped", rule: ["close": "true"], words: "token endpoint:"),
    ]

    @Test(arguments: unavailable)
    func hubSpotNotAnsweringUsefullyMeansTryAgain(_ injected: Injected) throws {
        let code = try freshCode()
        var rule: [String: Any] = ["endpoint": "token"]
        if let status = injected.rule["status"] { rule["status"] = Int(status) }
        if let body = injected.rule["body"] { rule["body"] = body }
        if injected.rule["close"] != nil { rule["close"] = true }
        try inject(rule)
        let failure = try #require(failure { () throws(HookFailure) in try hook().exchange(grant(code)) })
        #expect(failure.kind == .providerUnavailable)
        #expect(failure.detail.contains(injected.words))
        #expect(!failure.detail.contains(code))
        #expect(!failure.detail.contains("CKx"))
        #expect(try store.installs().isEmpty)
    }

    @Test func slowTokenEndpointIsCutOffAtTheTimeout() throws {
        let code = try freshCode()
        // The endpoint answers only after 8 s; the hook gives up at 0.5 s (the bound is loose: a
        // loaded machine may wake the waiting thread late, but never seconds after the answer).
        try inject(["endpoint": "token", "delay": 8])
        let started = Date()
        let failure = try #require(failure { () throws(HookFailure) in try hook(timeout: 0.5).exchange(grant(code)) })
        #expect(Date().timeIntervalSince(started) < 6)
        #expect(failure.kind == .providerUnavailable)
        #expect(failure.detail.contains("did not answer within 0.5 s"))
    }

    @Test func hubIDAndScopesComeFromTheMetadataWhenTheAnswerLacksThem() throws {
        _ = try hook().exchange(grant(freshCode()))
        let known = try #require(try store.install(hubID: 4242))
        // An older-style answer: tokens only (the access token is one the stand-in knows).
        let old =
            "{\"access_token\":\"\(known.accessToken.value)\",\"refresh_token\":\"na1-old\",\"expires_in\":1800,\"token_type\":\"bearer\"}"
        try inject(["endpoint": "token", "status": 200, "body": old])
        let outcome = try hook().exchange(grant(freshCode()))
        #expect(outcome.account == "acme.hubspot.com")
        #expect(outcome.ungrantedOptionalScopes == ["social"])
        #expect(try store.install(hubID: 4242)?.refreshToken.value == "na1-old")

        let requests = try #require(try standIn.getJSON("/_standin/requests") as? [[String: Any]])
        #expect(requests.compactMap { $0["endpoint"] as? String }.suffix(2) == ["token", "introspect"])
        let introspect = try #require(requests.last)
        #expect((introspect["params"] as? [String: String])?["token_type_hint"] == "access_token")
        #expect((introspect["params"] as? [String: String])?["token"] == known.accessToken.value)
    }

    @Test func theV1MetadataEndpointIsNeverAsked() throws {
        _ = try hook().exchange(grant(freshCode()))
        let known = try #require(try store.install(hubID: 4242))
        let old =
            "{\"access_token\":\"\(known.accessToken.value)\",\"refresh_token\":\"na1-old\",\"expires_in\":1800}"
        try inject(["endpoint": "token", "status": 200, "body": old])
        // Introspection is missing; the v1 endpoint would still answer for this token, but it puts the
        // token in a URL and ends on 2027-02-16: without the hub id the install fails instead.
        try inject(["endpoint": "introspect", "status": 404])
        let code = try freshCode()
        let failure = try #require(failure { () throws(HookFailure) in try hook().exchange(grant(code)) })
        #expect(failure.detail.contains("hub_id"))
        #expect(!failure.detail.contains(known.accessToken.value))
        #expect(try store.install(hubID: 4242)?.refreshToken.value != "na1-old")
    }

    @Test func codeVerifierIsSentWhenTheGrantHasOne() throws {
        let verifier = "zpPydW8JhA-cwnnj37ixztpxOQsDf0gr97WH-5_bR0k"
        let challenge = PKCE.challenge(verifier: verifier)
        var good = grant(try freshCode(challenge: challenge))
        good.codeVerifier = Secret(verifier)
        #expect(try hook().exchange(good).account == "acme.hubspot.com")
        let requests = try #require(try standIn.getJSON("/_standin/requests") as? [[String: Any]])
        let token = try #require(requests.first { $0["endpoint"] as? String == "token" })
        #expect((token["params"] as? [String: String])?["code_verifier"] == verifier)

        // The stand-in checks the pair as HubSpot does: a wrong verifier loses the code.
        var wrong = grant(try freshCode(challenge: challenge))
        wrong.codeVerifier = Secret(String(verifier.dropLast()) + "A")
        #expect(failure { () throws(HookFailure) in try hook().exchange(wrong) }?.kind == .codeRejected)
        // Without PKCE no code_verifier parameter is sent at all.
        _ = try hook().exchange(grant(freshCode()))
        let last = try #require(
            (try standIn.getJSON("/_standin/requests") as? [[String: Any]])?.last { $0["endpoint"] as? String == "token" })
        #expect((last["params"] as? [String: String])?.keys.contains("code_verifier") == false)
    }

    @Test func missingMetadataIsFatalOnlyWhenTheHubIDIsUnknown() throws {
        try inject(["endpoint": "introspect", "status": 500, "count": 0])
        let named = try hook().exchange(grant(freshCode()))
        #expect(named.account == "HubSpot account 4242")
        #expect(try store.install(hubID: 4242)?.hubDomain == nil)

        try inject([
            "endpoint": "token", "status": 200, "body": "{\"access_token\":\"CKunknown\",\"refresh_token\":\"r\"}",
        ])
        let code = try freshCode()
        let failure = try #require(failure { () throws(HookFailure) in try hook().exchange(grant(code)) })
        #expect(failure.kind == .providerUnavailable)
        #expect(failure.detail.contains("hub_id"))
        #expect(!failure.detail.contains("CKunknown"))
    }
}
