import Testing

@testable import InstallFlow

/// The URL rules of `URLParts+Targets.swift`, each as a table of what its callers accepted and refused.
struct URLTargetTests {
    @Test(arguments: [
        ("localhost", true), ("[::1]", true), ("127.0.0.1", true), ("127.255.255.254", true), ("127.0.0.0", true),
        // Not addresses to the C library (a part above 255, a leading zero read as octal or refused):
        // they would be looked up as names, which may leave the machine.
        ("127.0.0.256", false), ("127.08.0.1", false), ("127.0.0.99999", false), ("127.0.0.0377777", false),
        ("127.000.0.1", false), ("0127.0.0.1", false), ("127.0.0.01", false),
        // Shorthand and malformed forms: `URLParts.isLoopback` took them, `ReturnHost.allowsHTTP` did not.
        ("127.1", false), ("127.", false), ("127..0.1", false), ("127.0.0.1.5", false), ("127.0.0", false),
        ("127.0.0.x", false), ("128.0.0.1", false), ("0.0.0.0", false), ("[::2]", false), ("[0:0:0:0:0:0:0:1]", false),
        ("localhost.evil.example", false), ("evil.localhost", false), ("127.0.0.1.evil.example", false), ("", false),
    ])
    func loopbackHosts(_ host: String, _ isLoopback: Bool) {
        #expect(URLParts.isLoopback(host: host) == isLoopback)
        if let named = ReturnHost(host) { #expect(named.allowsHTTP == isLoopback) }
    }

    /// (URL, webTarget, endpoint, hookRedirect).
    static let targets: [(String, Bool, Bool, Bool)] = [
        ("https://example.com/x", true, true, true),
        ("HTTPS://Example.COM/x", true, true, true),
        ("https://example.com:443/x?y=1", true, true, true),
        ("http://localhost:8080/x", true, true, true),
        ("HTTP://LOCALHOST/x", true, true, true),
        ("http://127.0.0.1:9/x?y", true, true, true),
        ("http://[::1]/", true, true, true),
        ("http://[::1]:8080/cb", true, true, true),
        ("http://127.1/", false, false, false),
        ("http://example.com/", false, false, false),
        ("http://localhost.example.com/", false, false, false),
        ("http://[::2]/", false, false, false),
        ("https://user@example.com/", false, false, false),
        ("https://user:pw@example.com/", false, false, false),
        ("http://user@localhost/", false, false, false),
        ("ftp://example.com/", false, false, false),
        ("javascript:alert(1)", false, false, false),
        ("//example.com/", false, false, false),
        ("https://example.com:0/", false, false, false),
        ("https://example.com:65536/", false, false, false),
        ("https://example.com/a b", false, false, false),
        ("https://example.com/\u{7F}", false, false, false),
        ("https://example.com/é", false, false, false),
        // A fragment: fine for a browser, not for an endpoint.
        ("https://example.com/done#welcome", true, false, true),
        // Characters RFC 3986 does not allow: only a hook's redirect refuses them.
        ("https://example.com/a|b", true, true, false),
        ("https://example.com/?q={x}", true, true, false),
        ("https://example.com/?q=a\\b", true, true, false),
        ("https://example.com/^", true, true, false),
        // The length: only a hook's redirect is bounded.
        ("https://example.com/" + String(repeating: "a", count: 2028), true, true, true),
        ("https://example.com/" + String(repeating: "a", count: 2029), true, true, false),
    ]

    @Test(arguments: targets)
    func targetsOfEachRule(_ url: String, _ webTarget: Bool, _ endpoint: Bool, _ hookRedirect: Bool) {
        #expect((URLParts.webTarget(url) != nil) == webTarget)
        #expect((URLParts.endpoint(url) != nil) == endpoint)
        #expect(URLParts.hookRedirect(url) == (hookRedirect ? url : nil))
        #expect(InstallResponder.safeRedirect(url) == (hookRedirect ? url : nil))
    }

    /// HubSpot's rule for the redirect URI takes plain http for `localhost` only, not for a
    /// loopback address.
    @Test(arguments: [
        ("https://install.example.com/cb", true), ("http://localhost:8080/cb", true), ("HTTP://LocalHost/cb", true),
        ("http://127.0.0.1/cb", false), ("http://[::1]/cb", false), ("http://install.example.com/cb", false),
        ("ftp://localhost/cb", false),
    ])
    func hubSpotRedirectScheme(_ url: String, _ accepted: Bool) throws {
        #expect(try #require(URLParts(url)).hasHubSpotRedirectScheme == accepted)
    }

    @Test func theLoopbackRuleReachesTheSettingsThatUseIt() throws {
        #expect(throws: Never.self) { try Fixture.configuration(["INSTALL_SUCCESS_URL": "http://127.0.0.1:9/ok"]) }
        let shorthand = #expect(throws: ConfigurationError.self) {
            try Fixture.configuration(["INSTALL_SUCCESS_URL": "http://127.1/ok"])
        }
        #expect(shorthand?.names("INSTALL_SUCCESS_URL") == true)
        let hosts = try Fixture.configuration(["INSTALL_RETURN_HOSTS": "127.1:9000 127.0.0.1:9000"]).returnHosts
        #expect(hosts.map(\.allowsHTTP) == [false, true])
    }
}

/// `PrintableText.isVisibleASCII`: the one printable-ASCII check.
struct VisibleASCIITests {
    @Test(arguments: [
        (UInt8(0x00), false), (0x09, false), (0x0A, false), (0x1F, false), (0x20, false), (0x21, true), (0x41, true),
        (0x7E, true), (0x7F, false), (0x80, false), (0x9B, false), (0xC3, false), (0xFF, false),
    ])
    func bytes(_ byte: UInt8, _ visible: Bool) {
        #expect(PrintableText.isVisibleASCII(byte) == visible)
    }

    @Test(arguments: [
        ("", true), ("abc~!{}|\\", true), ("a b", false), ("a\tb", false), ("é", false), ("a\u{7F}", false),
        ("line\n", false), ("\u{85}", false),
    ])
    func text(_ text: String, _ visible: Bool) {
        #expect(PrintableText.isVisibleASCII(text) == visible)
        #expect(PrintableText.isVisibleASCII(Substring(text)) == visible)
    }

    /// Its callers: a client id, a code, a token, an e-mail address and every URL refuse the same bytes.
    @Test(arguments: ["a b", "a\u{7F}", "é", "a\tb"])
    func callersRefuseWhatItRefuses(_ text: String) {
        #expect(!CallbackQuery.isPlausibleCode(text))
        #expect(URLParts("https://example.com/" + text) == nil)
        #expect(ReturnURL("https://app.hubspot.com/x?" + text, extraHosts: []) == nil)
        #expect(throws: ConfigurationError.self) { try Fixture.configuration(["HUBSPOT_CLIENT_ID": "id" + text]) }
    }
}
