import Glibc
import Testing

@testable import InstallFlow

struct RoutesTests {
    static let everyRequest: [(String, String)] = [
        ("GET", "/"), ("HEAD", "/"), ("GET", "/oauth/authorize"), ("GET", "/oauth/callback?code=a"),
        ("HEAD", "/oauth/callback?code=a"), ("GET", "/oauth/callback?code=a&state=forged"),
        ("GET", "/oauth/callback?error=access_denied"), ("GET", "/installed"), ("GET", "/healthz"),
        ("GET", "/oauth/install"), ("GET", "/nope"), ("DELETE", "/"), ("POST", "/oauth/callback"),
    ]

    /// Written out here rather than read from `Response.Header.security`, so that dropping one
    /// from there fails this test.
    static let securityHeaders = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        (
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
        ),
        ("X-Frame-Options", "DENY"),
    ]

    @Test(arguments: everyRequest)
    func everyResponseCarriesTheSecurityHeaders(method: String, uri: String) throws {
        let response = try Flow().get(uri, method: method)
        for (name, value) in Self.securityHeaders {
            #expect(response.headers.filter { $0.name == name }.map(\.value) == [value], "\(name) on \(method) \(uri)")
        }
        #expect(response.header("Cache-Control") != nil)
    }

    @Test func theSecurityHeadersHaveOneHome() {
        #expect(Response.Header.security.map { [$0.name, $0.value] } == Self.securityHeaders.map { [$0.0, $0.1] })
    }

    @Test func landingPageNamesTheAppAndEachScopeInWords() throws {
        let flow = try Flow()
        let response = flow.get("/")
        let page = flow.body(response)
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/html; charset=utf-8")
        #expect(page.contains("<h1>Install Acme Sync</h1>"))
        #expect(page.contains("Contacts, companies, deals and their properties, engagements and owners"))
        #expect(page.contains("Workflows"))
        #expect(page.contains("Available with: Marketing Hub Professional or Enterprise"))
        #expect(page.contains("Requires: Any Marketing or CRM account"))
        #expect(page.contains("Basic information about your HubSpot account"))
        #expect(!page.contains("Requires: All accounts"))
        #expect(page.contains("href=\"/oauth/authorize\""))
        #expect(!page.contains("<script"))
        #expect(!page.contains("{{"))
    }

    @Test func landingWithoutOptionalScopesHasNoOptionalSection() throws {
        let flow = try Flow(["HUBSPOT_OPTIONAL_SCOPES": nil])
        #expect(!flow.body(flow.get("/")).contains("if your HubSpot account includes them"))
    }

    @Test func appNameIsEscapedEverywhere() throws {
        let flow = try Flow(["INSTALL_APP_NAME": "<script>alert('x')</script> & Co"])
        for uri in ["/", "/installed", "/nope", "/oauth/callback"] {
            let page = flow.body(flow.get(uri))
            #expect(!page.contains("<script>"), "\(uri)")
            #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"), "\(uri)")
        }
    }

    @Test func headAnswersWithoutABody() throws {
        let flow = try Flow()
        let head = flow.get("/", method: "HEAD")
        let bytes = String(decoding: head.serialized(), as: UTF8.self)
        #expect(bytes.hasPrefix("Status: 200 OK\r\n"))
        #expect(bytes.contains("Content-Length: \(flow.get("/").body.count)\r\n"))
        #expect(bytes.hasSuffix("\r\n\r\n"))
    }

    @Test func unknownPathIs404AndWrongMethodIs405WithAllow() throws {
        let flow = try Flow()
        #expect(flow.get("/wp-login.php").status == 404)
        #expect(flow.get("/oauth/authorize/").status == 404)
        let delete = flow.get("/", method: "DELETE")
        #expect(delete.status == 405)
        #expect(delete.header("Allow") == "GET, HEAD")
        #expect(flow.get("/healthz", method: "POST").header("Allow") == "GET, HEAD")
    }

    @Test func healthzSaysOk() throws {
        let response = try Flow().get("/healthz")
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "ok\n")
    }

    @Test func requestIDsAreDistinct() throws {
        let flow = try Flow()
        let ids = (0..<50).map { _ in flow.get("/").requestID }
        #expect(Set(ids).count == 50)
    }

    @Test func routingUsesRequestURINotScriptName() {
        let request = Request(parameters: [
            "REQUEST_METHOD": "GET", "REQUEST_URI": "/oauth/callback?code=a&state=b",
            "SCRIPT_NAME": "/index.php", "PATH_INFO": "/x", "QUERY_STRING": "other",
        ])
        #expect(request.path == "/oauth/callback")
        #expect(request.query == "code=a&state=b")
        let cgi = Request(parameters: ["SCRIPT_NAME": "/oauth/callback", "QUERY_STRING": "code=a"])
        #expect(cgi.path == "/oauth/callback" && cgi.query == "code=a" && cgi.method == "GET")
    }

    @Test func logLineHasTheFieldsAndNoQuery() throws {
        let flow = try Flow()
        let (state, cookie) = flow.begin()
        let response = flow.get("/oauth/callback?code=secret-code&state=\(state)", cookie: cookie)
        let line = AccessLog.line(response, durationMicroseconds: 1234, unixTime: 1_790_000_000.5)
        #expect(line.hasPrefix(#"{"time":"2026-09-21T14:13:20.500Z","request_id":""#))
        #expect(line.contains(#""route":"callback","status":303,"duration_us":1234,"reason":"ok"}"#))
        #expect(!line.contains("secret-code") && !line.contains(state) && !line.contains(cookie))
    }
}

struct AccessLogTests {
    /// What the C library says the time is, in the log's format.
    static func reference(_ unixTime: Double) -> String {
        var seconds = time_t(unixTime.rounded(.down))
        let millis = Int((unixTime - Double(seconds)) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return padded(parts.tm_year + 1900, 4) + "-" + padded(parts.tm_mon + 1, 2) + "-" + padded(parts.tm_mday, 2)
            + "T" + padded(parts.tm_hour, 2) + ":" + padded(parts.tm_min, 2) + ":" + padded(parts.tm_sec, 2) + "."
            + padded(Int32(millis), 3) + "Z"
    }

    @Test func timestampsAgreeWithTheCLibrary() {
        // Epoch, leap days (2000 is a leap year, 1900 and 2100 are not), year ends, the last
        // millisecond of 9999, a time before 1970, and a day every 97 days for five centuries.
        var times: [Double] = [
            0, 0.001, 0.999, 86_399.5, 951_782_400, 951_868_799.25, 4_107_542_400, 4_107_456_000, -2_203_891_200,
            -2_208_988_800, 1_790_000_000.5, 253_402_300_799.999, -1, -86_400.75, 1_704_067_199.999,
        ]
        for day in stride(from: -25_567, through: 157_000, by: 97) { times.append(Double(day) * 86_400 + 45_296.789) }
        for time in times {
            #expect(AccessLog.timestamp(time) == Self.reference(time), "unix time \(time)")
        }
    }

    @Test func hookDiagnosticsAreEscapedAndTheLineEndsOnce() throws {
        var response = Response(status: 502, headers: [], body: [], reason: .hookFailed, route: .callback)
        response.requestID = "AbCdEfGh-12"
        response.diagnostics = "exit 1: \"bad\"\n\\ \u{1}"
        let line = String(
            decoding: AccessLog.lineBytes(response, durationMicroseconds: 0, unixTime: 1_790_000_000), as: UTF8.self)
        #expect(
            line == #"{"time":"2026-09-21T14:13:20.000Z","request_id":"AbCdEfGh-12","route":"callback","status":502,"#
                + #""duration_us":0,"reason":"hook_failed","hook":"exit 1: \"bad\"\n\\ \u0001"}"# + "\n")
    }
}

struct RedactionTests {
    @Test func codesAndSecretsNeverPrint() {
        let code = AuthorizationCode("the-code-value")
        let secret = Secret("the-secret-value")
        for text in [
            String(describing: code), String(reflecting: code), "\(code)", String(describing: secret),
            String(reflecting: secret), "\(secret)",
        ] {
            #expect(text == "<redacted>")
        }
        var dumped = ""
        dump(code, to: &dumped)
        dump(secret, to: &dumped)
        #expect(!dumped.contains("the-code-value") && !dumped.contains("the-secret-value"))
    }
}

struct ResponseTests {
    @Test func aPreparedResponseSerializesAsItWouldHaveAndForgetsOnChange() throws {
        let flow = try Flow()
        var page = flow.get("/")
        let fresh = Response(
            status: page.status, headers: page.headers, body: page.body, reason: page.reason, route: page.route)
        #expect(page.serialized() == fresh.serialized())
        page.omitsBody = true
        var freshHead = fresh
        freshHead.omitsBody = true
        #expect(page.serialized() == freshHead.serialized())
        page.omitsBody = false
        page.headers.append(.init("Allow", "GET"))
        #expect(String(decoding: page.serialized(), as: UTF8.self).contains("Allow: GET\r\n"))
        page.body = Array("changed".utf8)
        #expect(String(decoding: page.serialized(), as: UTF8.self).hasSuffix("Content-Length: 7\r\n\r\nchanged"))
    }
}
