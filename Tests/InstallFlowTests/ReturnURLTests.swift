import Testing

@testable import InstallFlow

struct ReturnURLTests {
    static let standIn = [ReturnHost("localhost:9000")!, ReturnHost("standin.example.com")!]

    @Test(arguments: [
        "https://app.hubspot.com/marketplace/install/callback?x=1",
        "https://app.hubspot.com",
        "https://app-eu1.hubspot.com/l/app-marketplace",
        "https://app-na2.hubspot.com/?a=b#frag",
        "https://APP.HUBSPOT.COM/x",
        "http://localhost:9000/return",
        "https://localhost:9000/return",
        "https://standin.example.com/return?a=1",
    ])
    func hubSpotAndNamedHostsAreAccepted(_ text: String) {
        #expect(ReturnURL(text, extraHosts: Self.standIn)?.text == text)
    }

    @Test(arguments: [
        ("another host", "https://evil.test/"),
        ("HubSpot's name as a prefix", "https://app.hubspot.com.evil.test/"),
        ("HubSpot's name as a suffix", "https://evilapp.hubspot.com/"),
        ("another HubSpot host", "https://api.hubspot.com/"),
        ("HubSpot's apex", "https://hubspot.com/"),
        ("empty hublet", "https://app-.hubspot.com/"),
        ("hublet with a dot", "https://app-eu1.x.hubspot.com/"),
        ("hublet with an underscore", "https://app-e_u.hubspot.com/"),
        ("userinfo", "https://app-eu1.hubspot.com@evil.test/"),
        ("userinfo before HubSpot", "https://evil.test@app.hubspot.com/"),
        ("scheme without slashes", "https:app.hubspot.com/"),
        ("scheme-relative", "//app.hubspot.com/"),
        ("javascript", "javascript:alert(1)//app.hubspot.com"),
        ("data", "data:text/html,<script>alert(1)</script>"),
        ("http instead of https", "http://app.hubspot.com/"),
        ("scheme in capitals", "HTTPS://app.hubspot.com/"),
        ("IPv4", "https://192.0.2.1/"),
        ("IPv6", "https://[2001:db8::1]/"),
        ("port on HubSpot", "https://app.hubspot.com:8443/"),
        ("trailing dot", "https://app.hubspot.com./"),
        ("control character", "https://app.hubspot.com/\u{0}x"),
        ("new line", "https://app.hubspot.com/\r\nSet-Cookie: a=b"),
        ("tab", "https://app.hubspot.com/\tx"),
        ("space", "https://app.hubspot.com/ x"),
        ("non-ASCII", "https://app.hubspot.com/é"),
        ("non-ASCII host", "https://app.hubspöt.com/"),
        ("percent-encoded dot", "https://app%2Ehubspot.com/"),
        ("percent in the host", "https://app.hubspot.com%2F@evil.test/"),
        ("backslash", "https://app.hubspot.com\\@evil.test/"),
        ("backslash in the path", "https://app.hubspot.com/\\evil.test"),
        ("over-long", "https://app.hubspot.com/" + String(repeating: "a", count: 2048)),
        ("empty", ""),
        ("no host", "https:///path"),
        ("named host with another port", "http://localhost:9001/"),
        ("named host without its port", "http://localhost/"),
        ("named non-loopback host over http", "http://standin.example.com/"),
    ])
    func hostileReturnURLsAreRefused(name: String, text: String) {
        #expect(ReturnURL(text, extraHosts: Self.standIn) == nil, "\(name)")
    }

    @Test func lengthLimitIsInclusive() {
        let prefix = "https://app.hubspot.com/"
        let exact = prefix + String(repeating: "a", count: ReturnURL.maximumLength - prefix.utf8.count)
        #expect(ReturnURL(exact, extraHosts: []) != nil)
        #expect(ReturnURL(exact + "a", extraHosts: []) == nil)
    }

    @Test(arguments: [
        ("https://app.hubspot.com/x", "https://app.hubspot.com/x?state=S"),
        ("https://app.hubspot.com", "https://app.hubspot.com?state=S"),
        ("https://app.hubspot.com/x?a=1", "https://app.hubspot.com/x?a=1&state=S"),
        ("https://app.hubspot.com/x?", "https://app.hubspot.com/x?state=S"),
        ("https://app.hubspot.com/x?a=1&", "https://app.hubspot.com/x?a=1&state=S"),
        ("https://app.hubspot.com/x#f", "https://app.hubspot.com/x?state=S#f"),
        ("https://app.hubspot.com/x?a=1#f?g", "https://app.hubspot.com/x?a=1&state=S#f?g"),
        ("https://app.hubspot.com/x#", "https://app.hubspot.com/x?state=S#"),
    ])
    func stateIsAddedToTheQueryBeforeTheFragment(url: String, expected: String) throws {
        #expect(try #require(ReturnURL(url, extraHosts: [])).adding(state: "S") == expected)
    }

    @Test func hubletsAreLowerCaseLettersAndDigits() {
        #expect(ReturnURL.isHubSpotHost("app-eu1.hubspot.com"))
        #expect(ReturnURL.isHubSpotHost("app-na2.hubspot.com"))
        #expect(!ReturnURL.isHubSpotHost("app-eu-1.hubspot.com"))
        #expect(!ReturnURL.isHubSpotHost("app-.hubspot.com"))
        #expect(!ReturnURL.isHubSpotHost("app-eu1.hubspot.com.evil.test"))
    }
}
