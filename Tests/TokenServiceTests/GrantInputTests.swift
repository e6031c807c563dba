import InstallFlow
import Testing

@testable import TokenService

/// What `hubspot-install-tokens hook ...` reads on stdin: the responder's own JSON for the grant.
struct GrantInputTests {
    @Test func readsTheGrantTheResponderWrites() throws {
        let grant = AuthorizationGrant(
            code: AuthorizationCode("na1-c0de"), redirectURI: "https://install.example/oauth/callback",
            clientID: "client-1", scopes: ["oauth", "crm.objects.contacts.read"], optionalScopes: ["forms"],
            issuedAt: 1_700_000_000, requestID: "req-1")
        let read = try GrantInput.grant(from: grant.jsonBody())
        #expect(read.code.value == "na1-c0de" && read.redirectURI == grant.redirectURI && read.clientID == "client-1")
        #expect(read.scopes == grant.scopes && read.optionalScopes == ["forms"])
        #expect(read.issuedAt == 1_700_000_000 && read.requestID == "req-1")
        // Keys added later (flow, install_id, ...) are ignored.
        var extended = grant.jsonBody().dropLast()
        extended += Array(#","flow":"install","install_id":"x"}"#.utf8)
        #expect(try GrantInput.grant(from: Array(extended)).requestID == "req-1")
    }

    @Test(arguments: [
        "", "[]", "{}", #"{"code":"c"}"#,
        #"{"code":"","redirect_uri":"r","client_id":"c","scopes":[],"optional_scopes":[],"issued_at":1,"request_id":"q"}"#,
        #"{"code":"c","redirect_uri":"r","client_id":"c","scopes":[1],"optional_scopes":[],"issued_at":1,"request_id":"q"}"#,
        #"{"code":"c","redirect_uri":"r","client_id":"c","scopes":[],"optional_scopes":[],"issued_at":"1","request_id":"q"}"#,
        #"{"code":"c","redirect_uri":"r","client_id":"c","scopes":[],"optional_scopes":[],"issued_at":1.5,"request_id":"q"}"#,
    ])
    func refusesWhatIsNotAGrantWithoutQuotingIt(_ text: String) {
        let rejection = #expect(throws: GrantInput.Rejection.self) { try GrantInput.grant(from: Array(text.utf8)) }
        #expect(rejection.map { !$0.detail.contains("\"c\"") } == true)
    }

    @Test func refusesTooMuchInput() {
        #expect(throws: GrantInput.Rejection.self) {
            try GrantInput.grant(from: [UInt8](repeating: 0x20, count: GrantInput.byteLimit + 1))
        }
    }
}
