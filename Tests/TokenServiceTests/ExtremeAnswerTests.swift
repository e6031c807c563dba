import InstallFlow
import Testing

@testable import TokenService

/// Numbers a token endpoint (or a hostile stand-in for one) can put in its answer, at their
/// extremes: each gives a clean answer, never a trap.
struct ExtremeAnswerTests {
    static func answer(_ members: String) -> HTTPResponse {
        HTTPResponse(
            status: 200, headers: [:],
            body: Array(#"{"access_token":"CKa","refresh_token":"na1-r","token_type":"bearer",\#(members)}"#.utf8))
    }

    /// `expires_in` as sent, and the lifetime believed (nil: the expiry is stored as unknown).
    static let lifetimes: [(String, Int64?)] = [
        ("1800", 1800), ("1", 1), ("31622400", 31_622_400), ("31622401", nil), ("0", nil), ("-1", nil),
        ("-1800", nil), ("9223372036854775807", nil), ("-9223372036854775808", nil), ("9223372036854775808", nil),
        ("18446744073709551616", nil), ("-9223372036854775809", nil), (String(repeating: "9", count: 400), nil),
        ("1e400", nil), ("1800.0", 1800), ("1800.5", nil), ("1.8e3", 1800), ("9.3e18", nil), ("-0", nil),
        (#""1800""#, 1800), (#""+1800""#, nil), (#"" 1800""#, nil), (#""9223372036854775807""#, nil),
        (#""9223372036854775808""#, nil), (#""18446744073709551616""#, nil), (#""-9223372036854775809""#, nil),
        (#""""#, nil), (#""-""#, nil), ("null", nil), ("true", nil), ("[1800]", nil), (#"{"a":1}"#, nil),
    ]

    @Test(arguments: lifetimes)
    func expiresInIsBelievedOnlyInRange(_ text: String, _ expected: Int64?) throws {
        // A number JSON itself cannot hold (1e400) may make the whole answer unreadable: a clean
        // "HubSpot did not answer", which is fine where no lifetime is expected.
        let tokens = try? TokenEndpointAnswer.tokens(from: Self.answer(#""expires_in":\#(text)"#))
        #expect(tokens?.expiresIn == expected)
        if expected != nil { #expect(tokens != nil) }
    }

    static let hubIDs: [(String, Int64?)] = [
        ("4242", 4242), ("0", nil), ("-1", nil), ("9223372036854775807", .max), ("-9223372036854775808", nil),
        ("9223372036854775808", nil), ("18446744073709551616", nil), (String(repeating: "9", count: 400), nil),
        (#""4242""#, 4242), (#""+4242""#, nil), (#"" 4242""#, nil), (#""4242 ""#, nil), (#""0x10""#, nil),
        (#""9223372036854775807""#, .max), (#""-9223372036854775808""#, nil), (#""9223372036854775808""#, nil),
        (#""-9223372036854775809""#, nil), (#""99999999999999999999""#, nil), ("1e400", nil), ("4242.5", nil),
    ]

    @Test(arguments: hubIDs)
    func hubIDIsAWholeNumberThatFits(_ text: String, _ expected: Int64?) throws {
        let tokens = try? TokenEndpointAnswer.tokens(from: Self.answer(#""hub_id":\#(text),"scopes":["oauth"]"#))
        #expect(tokens?.hubID == expected)
        let metadata = try? TokenEndpointAnswer.metadata(
            from: HTTPResponse(status: 200, headers: [:], body: Array(#"{"hub_id":\#(text)}"#.utf8)))
        #expect(metadata?.hubID == expected)
        if expected != nil { #expect(tokens != nil && metadata != nil) }
    }

    @Test(arguments: [
        (Int64(1_790_000_000), Int64(1800), Int64?.some(1_790_001_800)), (1_790_000_000, .max, nil),
        (.max, 1, nil), (.max - 1800, 1800, .max), (.min, -1, nil), (0, .max, .max), (-1, .max, .max - 1),
    ])
    func expiryIsNilWhenTheSumDoesNotFit(_ installedAt: Int64, _ expiresIn: Int64, _ expected: Int64?) {
        #expect(HubSpotExchangeHook.expiry(installedAt: installedAt, expiresIn: expiresIn) == expected)
    }

    @Test(arguments: [
        Int64.max, 1 << 62, 31_622_401, 0, -1, Int64.min,
    ])
    func exchangeWithAnAbsurdLifetimeStoresAnUnknownExpiry(_ lifetime: Int64) throws {
        let standIn = try PythonServer.standIn(extra: ["--access-token-ttl", String(lifetime)])
        let directory = TemporaryDirectory()
        let store = try SQLiteTokenStore(path: directory.path + "/tokens.sqlite3")
        let hook = HubSpotExchangeHook(
            tokenURL: standIn.url + "/oauth/v3/token", clientSecret: Secret(StandIn.clientSecret), timeout: 5,
            store: store, now: { 1_790_000_000 })
        let query =
            "client_id=\(StandIn.clientID)&redirect_uri=\(FormBody.percentEncoded(StandIn.redirectURI))"
            + "&scope=oauth%20contacts&optional_scope=automation%20social"
        let location = try #require(try standIn.get("/oauth/authorize?" + query).header("Location"))
        let code = try #require(location.split(separator: "code=").last.map { String($0.prefix { $0 != "&" }) })
        let outcome = try hook.exchange(
            AuthorizationGrant(
                code: AuthorizationCode(code), redirectURI: StandIn.redirectURI, clientID: StandIn.clientID,
                scopes: ["oauth", "contacts"], optionalScopes: ["automation", "social"], issuedAt: 1_790_000_000,
                requestID: "req-1"))
        // An already expired token (a lifetime of 0 or less) may be refused by introspection, which
        // only costs the domain: the page then names the hub id.
        #expect(outcome.account == "acme.hubspot.com" || outcome.account == "HubSpot account 4242")
        let install = try #require(try store.install(hubID: 4242))
        #expect(install.expiresAt == nil)
    }
}
