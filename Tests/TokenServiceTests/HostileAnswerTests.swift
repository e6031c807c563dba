import Foundation
import InstallFlow
import Testing

@testable import TokenService

/// What a hostile token endpoint can send beyond odd numbers: compressed answers, answers that are
/// not HTTP, and values that would forge a listing row or reach a terminal or a header.
struct HostileAnswerTests {
    static func server() throws -> PythonServer {
        try PythonServer(arguments: [PythonServer.repositoryRoot + "/Tests/integration/hostile_http.py", "--port", "0"])
    }

    static func send(_ url: String) -> Result<HTTPResponse, HTTPFailure> {
        Result { () throws(HTTPFailure) in
            try HTTPClient().send(
                HTTPRequest(method: "POST", url: url, headers: [:], body: Array("a=b".utf8)),
                deadline: Deadline(secondsFromNow: 60))
        }
    }

    static func failure(_ url: String) -> HTTPFailure? {
        if case .failure(let failure) = send(url) { return failure }
        return nil
    }

    @Test func everyRequestAsksForAnUncompressedAnswer() throws {
        let server = try Self.server()
        let answer = try Self.send(server.url + "/echo").get()
        #expect(answer.status == 200)
        #expect(String(decoding: answer.body, as: UTF8.self) == "identity")
    }

    @Test(arguments: ["/gzip-small", "/gzip-bomb"])
    func aCompressedAnswerIsRefusedLikeAnOversizedOne(_ path: String) throws {
        let server = try Self.server()
        // Refused at the headers. (No bound on the time: under the thread sanitizer on a loaded
        // machine even the refusal took 20 s; the size limit would stop an unpacking anyway.)
        #expect(Self.failure(server.url + path) == .tooLarge)
    }

    @Test func anAnswerWithoutAStatusLineIsAMalformedAnswerNotABadURL() throws {
        let server = try Self.server()
        #expect(Self.failure(server.url + "/raw-json") == .connection("malformed HTTP answer"))
    }

    @Test(arguments: ["ftp://127.0.0.1/x", "http:///x", "https://", "not a url", "file:///etc/passwd"])
    func onlyAURLRefusedBeforeSendingIsABadURL(_ url: String) {
        #expect(Self.failure(url) == .badURL)
    }

    static func answer(access: String = "CKa", refresh: String = "na1-r", _ members: String = "") -> HTTPResponse {
        let object: [String: String] = ["access_token": access, "refresh_token": refresh]
        var body = String(decoding: try! JSONEncoder().encode(object), as: UTF8.self)
        if !members.isEmpty { body = String(body.dropLast()) + "," + members + "}" }
        return HTTPResponse(status: 200, headers: [:], body: Array(body.utf8))
    }

    static let badTokens = [
        "", " ", "CKa b", "CKa\n", "CKa\u{1B}[2J", "CKa\u{202E}", "CKa\u{7F}", "CKa\r\nX-Evil: 1", "CKé",
        String(repeating: "a", count: 4097),
    ]

    @Test(arguments: badTokens)
    func aTokenThatIsNotPrintableASCIIMakesTheAnswerUnusable(_ token: String) {
        for response in [Self.answer(access: token), Self.answer(refresh: token)] {
            #expect(throws: HookFailure.self) { try TokenEndpointAnswer.tokens(from: response) }
            do {
                _ = try TokenEndpointAnswer.tokens(from: response)
            } catch {
                #expect(error.kind == .providerUnavailable)
            }
        }
    }

    @Test func aTokenOfPrintableASCIIUpTo4096BytesIsTaken() throws {
        let long = String(repeating: "a", count: 4096)
        let tokens = try TokenEndpointAnswer.tokens(from: Self.answer(access: long, refresh: "na1-~!{}"))
        #expect(tokens.accessToken.value == long)
        #expect(tokens.refreshToken.value == "na1-~!{}")
    }

    static let domains: [(String, String?)] = [
        ("acme.hubspot.com", "acme.hubspot.com"), ("app-eu1.hubspot.com", "app-eu1.hubspot.com"),
        ("x", "x"), ("evil.com\n4242  active", nil), ("evil\u{1B}[31m.com", nil), ("moc.live\u{202E}", nil),
        ("", nil), ("a..b", nil), (".a", nil), ("a.", nil), ("-a.com", nil), ("a-.com", nil), ("a b.com", nil),
        ("a_b.com", nil), ("<b>.com", nil), ("bücher.de", nil), (String(repeating: "a", count: 64) + ".com", nil),
        (Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: "."), nil),
        (Array(repeating: String(repeating: "a", count: 62), count: 4).joined(separator: ".") + ".aa", nil),
        (Array(repeating: String(repeating: "a", count: 62), count: 4).joined(separator: "."),
         Array(repeating: String(repeating: "a", count: 62), count: 4).joined(separator: ".")),
    ]

    @Test(arguments: domains)
    func aDomainIsAHostNameOrUnknown(_ domain: String, _ expected: String?) throws {
        let body = try JSONEncoder().encode(["hub_domain": domain])
        let metadata = try TokenEndpointAnswer.metadata(
            from: HTTPResponse(status: 200, headers: [:], body: Array(body)))
        #expect(metadata.hubDomain == expected)
    }

    @Test func theHubletAndTheUserAreCheckedOrUnknown() throws {
        func metadata(_ object: [String: String]) throws -> TokenMetadata {
            try TokenEndpointAnswer.metadata(
                from: HTTPResponse(status: 200, headers: [:], body: Array(try JSONEncoder().encode(object))))
        }
        #expect(try metadata(["hublet": "eu1", "user": "a@b.example"]).hublet == "eu1")
        #expect(try metadata(["hublet": "eu1", "user": "a@b.example"]).user == "a@b.example")
        for hublet in ["EU1", "eu-1", "eu_1", "eu1\n", "", "eu\u{202E}1"] {
            #expect(try metadata(["hublet": hublet]).hublet == nil)
        }
        for user in ["a b@c.example", "a@b.example\n", "a\u{1B}[2J@b", "ü@b.example", "",
            String(repeating: "a", count: 321)]
        {
            #expect(try metadata(["user": user]).user == nil)
            #expect(try TokenEndpointAnswer.tokens(from: Self.answer(#""user":\#(jsonString(user))"#)).user == nil)
        }
    }

    func jsonString(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode([text]), as: UTF8.self).dropFirst().dropLast().description
    }

    @Test func idsArePositiveWholeNumbers() throws {
        for (text, expected) in [("42", Int64(42)), (#""42""#, 42), ("0", nil), ("-42", nil), ("42.5", nil),
            (#""-42""#, nil), (#""x""#, nil), ("true", nil)] as [(String, Int64?)]
        {
            let tokens = try TokenEndpointAnswer.tokens(from: Self.answer(#""hub_id":\#(text),"user_id":\#(text)"#))
            #expect(tokens.hubID == expected)
            #expect(tokens.userID == expected)
            let body = Array(#"{"hub_id":\#(text),"app_id":\#(text)}"#.utf8)
            let metadata = try TokenEndpointAnswer.metadata(from: HTTPResponse(status: 200, headers: [:], body: body))
            #expect(metadata.hubID == expected)
            #expect(metadata.appID == expected)
        }
    }

    @Test func theListingShowsControlAndFormatCharactersEscaped() {
        let install = StoredInstall(
            hubID: 4242, hubDomain: "evil.com\n9999  active  forged\u{1B}[2J\u{202E}", accessToken: Secret("a"),
            refreshToken: Secret("r"), expiresAt: nil, scopes: ["oauth\u{7}"], tokenType: "bearer", installedAt: 0,
            updatedAt: 0, userEmail: "u\u{85}@x\u{2028}")
        let listing = TokenListing.render([install])
        #expect(listing.split(separator: "\n", omittingEmptySubsequences: false).count == 2)
        #expect(!listing.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E || $0.value == 0x7
            || $0.value == 0x85 || $0.value == 0x2028 })
        #expect(listing.contains(#"evil.com\u{A}9999  active  forged\u{1B}[2J\u{202E}"#))
        #expect(listing.contains(#"u\u{85}@x\u{2028}"#))
    }
}
