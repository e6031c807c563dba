import InstallFlow
import Testing

@testable import TokenService

/// Every answer form of docs/hubspot.md, read without a network.
struct TokenEndpointAnswerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var status: Int
        var body: String
        var kind: HookFailure.Kind
        var words: String
        var testDescription: String { name }
    }

    static let errors: [Case] = [
        Case(
            name: "v1 BAD_AUTH_CODE", status: 400,
            body: #"{"status":"BAD_AUTH_CODE","message":"missing or unknown auth code","correlationId":"c"}"#,
            kind: .codeRejected, words: "HubSpot said BAD_AUTH_CODE"),
        Case(
            name: "v1 EXPIRED_AUTH_CODE", status: 400,
            body: #"{"status":"EXPIRED_AUTH_CODE","message":"auth code expired","correlationId":"c"}"#,
            kind: .codeRejected, words: "HubSpot said EXPIRED_AUTH_CODE"),
        Case(
            name: "v3 expired, both forms", status: 400,
            body:
                #"{"status":"EXPIRED_AUTH_CODE","message":"auth code expired","error":"invalid_grant","error_description":"auth code expired"}"#,
            kind: .codeRejected, words: "EXPIRED_AUTH_CODE"),
        Case(
            name: "RFC 6749 invalid_grant only", status: 400,
            body: #"{"error":"invalid_grant","error_description":"code used"}"#, kind: .codeRejected,
            words: "HubSpot said invalid_grant"),
        Case(
            name: "v1 BAD_CLIENT_SECRET", status: 400,
            body: #"{"status":"BAD_CLIENT_SECRET","message":"missing or invalid client secret"}"#, kind: .failed,
            words: "HubSpot said BAD_CLIENT_SECRET"),
        Case(
            name: "v3 BAD_CLIENT_ID", status: 400,
            body: #"{"status":"BAD_CLIENT_ID","message":"m","error":"invalid_client","error_description":"m"}"#,
            kind: .failed, words: "HubSpot said BAD_CLIENT_ID"),
        Case(
            name: "BAD_REDIRECT_URI with invalid_grant", status: 400,
            body: #"{"status":"BAD_REDIRECT_URI","message":"m","error":"invalid_grant"}"#, kind: .failed,
            words: "HubSpot said BAD_REDIRECT_URI"),
        Case(
            name: "RFC 6749 invalid_client only", status: 401, body: #"{"error":"invalid_client"}"#, kind: .failed,
            words: "HubSpot said invalid_client"),
        Case(
            name: "v3 VALIDATION_ERROR", status: 400,
            body:
                #"{"status":"error","message":"Missing required parameter(s): code","category":"VALIDATION_ERROR","errors":[{"message":"code is required","in":"code"}],"error":"invalid_request"}"#,
            kind: .failed, words: "HubSpot said VALIDATION_ERROR"),
        Case(
            name: "400 not JSON", status: 400, body: "<html>Bad Request</html>", kind: .failed,
            words: "answered 400 (not JSON)"),
        Case(
            name: "400 status word that is prose", status: 400, body: #"{"status":"the secret s3cr3t was wrong"}"#,
            kind: .failed, words: "answered 400"),
        Case(
            name: "500", status: 500, body: #"{"status":"error","message":"internal"}"#, kind: .providerUnavailable,
            words: "answered 500"),
        Case(
            name: "502 HTML", status: 502, body: "<html>Bad Gateway</html>", kind: .providerUnavailable,
            words: "answered 502"),
        Case(
            name: "429", status: 429, body: #"{"status":"error","message":"You have reached your secondly limit."}"#,
            kind: .providerUnavailable, words: "rate limited"),
        Case(name: "redirect", status: 301, body: "", kind: .failed, words: "HUBSPOT_TOKEN_URL"),
        Case(
            name: "200 malformed JSON", status: 200, body: #"{"access_token":"CKabc","refresh"#,
            kind: .providerUnavailable, words: "not a JSON object"),
        Case(
            name: "200 JSON array", status: 200, body: #"["CKabc"]"#, kind: .providerUnavailable,
            words: "not a JSON object"),
        Case(
            name: "200 without access_token", status: 200, body: #"{"refresh_token":"na1-x","expires_in":1800}"#,
            kind: .providerUnavailable, words: "without an access_token"),
        Case(
            name: "200 empty access_token", status: 200, body: #"{"access_token":"","refresh_token":"na1-x"}"#,
            kind: .providerUnavailable, words: "without an access_token"),
        Case(
            name: "200 access_token not a string", status: 200, body: #"{"access_token":42,"refresh_token":"na1-x"}"#,
            kind: .providerUnavailable, words: "without an access_token"),
        Case(
            name: "200 without refresh_token", status: 200, body: #"{"access_token":"CKabc"}"#,
            kind: .providerUnavailable, words: "without a refresh_token"),
        Case(
            name: "201", status: 201, body: #"{"access_token":"CKabc","refresh_token":"na1-x"}"#,
            kind: .providerUnavailable, words: "instead of 200"),
    ]

    @Test(arguments: errors)
    func errorAnswerIsMappedForTheUser(_ answer: Case) {
        do {
            _ = try TokenEndpointAnswer.tokens(
                from: HTTPResponse(status: answer.status, headers: [:], body: Array(answer.body.utf8)))
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == answer.kind)
            #expect(error.detail.contains(answer.words), "\(error.detail)")
            // Never the body: not the message, not a token, not prose passed off as a status word.
            for fragment in [
                "missing or", "expired\"", "CKabc", "s3cr3t", "internal", "Bad Gateway", "secondly", "na1-x",
            ] {
                #expect(!error.detail.contains(fragment))
            }
        }
    }

    @Test func currentAnswerGivesEverything() throws {
        let body =
            #"{"access_token":"CKtoken","refresh_token":"na1-r","expires_in":1800,"token_type":"bearer","hub_id":4242,"scopes":["oauth","contacts"],"token_use":"access","user_id":7}"#
        let tokens = try TokenEndpointAnswer.tokens(
            from: HTTPResponse(status: 200, headers: [:], body: Array(body.utf8)))
        #expect(tokens.accessToken.value == "CKtoken")
        #expect(tokens.refreshToken.value == "na1-r")
        #expect(tokens.expiresIn == 1800)
        #expect(tokens.hubID == 4242)
        #expect(tokens.scopes == ["oauth", "contacts"])
    }

    @Test func olderAnswerLeavesHubAndScopesToTheMetadata() throws {
        let body = #"{"access_token":"CKtoken","refresh_token":"na1-r","expires_in":1800,"token_type":"bearer"}"#
        let tokens = try TokenEndpointAnswer.tokens(
            from: HTTPResponse(status: 200, headers: [:], body: Array(body.utf8)))
        #expect(tokens.hubID == nil && tokens.scopes == nil)
        let metadata =
            #"{"token":"CKtoken","user":"u@example.com","hub_domain":"acme.hubspot.com","scopes":["oauth"],"hub_id":"4242","app_id":1}"#
        let read = try TokenEndpointAnswer.metadata(
            from: HTTPResponse(status: 200, headers: [:], body: Array(metadata.utf8)))
        #expect(
            read
                == TokenMetadata(
                    hubID: 4242, hubDomain: "acme.hubspot.com", scopes: ["oauth"], user: "u@example.com", appID: 1))
        let introspected =
            #"{"active":true,"hub_id":4242,"user":"u@example.com","user_id":77,"app_id":9,"signed_access_token":{"hublet":"eu1"}}"#
        let facts = try TokenEndpointAnswer.metadata(
            from: HTTPResponse(status: 200, headers: [:], body: Array(introspected.utf8)))
        #expect(facts.userID == 77 && facts.appID == 9 && facts.hublet == "eu1" && facts.user == "u@example.com")
        let inactive = try? TokenEndpointAnswer.metadata(
            from: HTTPResponse(status: 200, headers: [:], body: Array(#"{"active":false}"#.utf8)))
        #expect(inactive == nil)
    }

    @Test func formBodyEncodesEverythingButUnreservedBytes() {
        let body = FormBody.encode([("code", "a b&c=d+é"), ("redirect_uri", "https://x.example/cb?y=1")])
        #expect(
            String(decoding: body, as: UTF8.self)
                == "code=a%20b%26c%3Dd%2B%C3%A9&redirect_uri=https%3A%2F%2Fx.example%2Fcb%3Fy%3D1")
    }
}
