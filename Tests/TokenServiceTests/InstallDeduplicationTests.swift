import Foundation
import InstallFlow
import Testing

@testable import TokenService

/// The same install delivered twice (two responders behind one load balancer) exchanges once.
struct InstallDeduplicationTests {
    let standIn: PythonServer
    let directory = TemporaryDirectory()

    init() throws {
        standIn = try PythonServer.standIn()
    }

    func hook() throws -> HubSpotExchangeHook {
        // A store handle of its own per hook, as each responder process has.
        HubSpotExchangeHook(
            tokenURL: standIn.url + "/oauth/2026-03/token", clientSecret: Secret(StandIn.clientSecret), timeout: 10,
            store: try SQLiteTokenStore(path: directory.path + "/tokens.sqlite3"))
    }

    func code() throws -> String {
        let query =
            "client_id=\(StandIn.clientID)&redirect_uri=\(FormBody.percentEncoded(StandIn.redirectURI))"
            + "&scope=oauth%20contacts&optional_scope=automation%20social"
        let location = try #require(try standIn.get("/oauth/authorize?" + query).header("Location"))
        return try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
    }

    func grant(_ code: String) -> AuthorizationGrant {
        AuthorizationGrant(
            code: AuthorizationCode(code), redirectURI: StandIn.redirectURI, clientID: StandIn.clientID,
            scopes: ["oauth", "contacts"], optionalScopes: ["automation", "social"], issuedAt: 1_790_000_000,
            requestID: "req-1")
    }

    func tokenRequests() throws -> Int {
        let requests = try #require(try standIn.getJSON("/_standin/requests") as? [[String: Any]])
        return requests.filter { $0["endpoint"] as? String == "token" }.count
    }

    @Test func concurrentDeliveriesOfOneInstallExchangeOnceAndReportTheSameAccount() throws {
        let grant = grant(try code())
        let hooks = try (0..<6).map { _ in try hook() }
        let outcomes = OutcomeBox()
        DispatchQueue.concurrentPerform(iterations: hooks.count) { index in
            let result = Result { () throws(HookFailure) in try hooks[index].exchange(grant, installID: "install-1") }
            outcomes.append(result)
        }
        #expect(try tokenRequests() == 1)
        for result in outcomes.all {
            let outcome = try result.get()
            #expect(outcome.account == "acme.hubspot.com")
            #expect(outcome.ungrantedOptionalScopes == ["social"])
        }
        let store = try SQLiteTokenStore(path: directory.path + "/tokens.sqlite3")
        #expect(try store.install(hubID: 4242)?.installID == "install-1")
    }

    @Test func aLaterDuplicateGetsTheStoredOutcomeAndAnotherInstallExchanges() throws {
        let first = grant(try code())
        _ = try hook().exchange(first, installID: "install-2")
        let again = try hook().exchange(first, installID: "install-2")
        #expect(again.account == "acme.hubspot.com")
        #expect(try tokenRequests() == 1)
        _ = try hook().exchange(grant(try code()), installID: "install-3")
        #expect(try tokenRequests() == 2)
    }

    @Test func aFailedExchangeGivesTheClaimUpSoADuplicateMayTry() throws {
        let grant = grant(try code())
        try standIn.postJSON("/_standin/fail", ["endpoint": "token", "status": 503, "count": 1])
        #expect(throws: HookFailure.self) { try hook().exchange(grant, installID: "install-4") }
        let outcome = try hook().exchange(grant, installID: "install-4")
        #expect(outcome.account == "acme.hubspot.com")
        #expect(try tokenRequests() == 2)
    }

    final class OutcomeBox: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Result<HookOutcome, HookFailure>] = []
        func append(_ result: Result<HookOutcome, HookFailure>) { lock.withLock { results.append(result) } }
        var all: [Result<HookOutcome, HookFailure>] { lock.withLock { results } }
    }
}
