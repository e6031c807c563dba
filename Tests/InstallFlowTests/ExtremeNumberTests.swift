import Glibc
import InstallCrypto
import Testing

@testable import InstallFlow

/// Numbers nobody verified, at their extremes, fed to every parser of the flow: each must give a
/// clean answer (a refusal, a configuration problem, nil), never a trap. A trap kills the process
/// and every request in flight with it.
struct ExtremeNumberTests {
    /// An issued-at a state can carry, and the refusal expected with the genuine cookie (the tag
    /// verifies: only our key could have signed it) and without any cookie (nothing verifies).
    struct IssuedAt: Sendable, CustomTestStringConvertible {
        var value: Int64
        var withCookie: Reason
        var withoutCookie: Reason
        var testDescription: String { "issued at \(value)" }
    }

    static let issuedAts: [IssuedAt] = [
        IssuedAt(value: .min, withCookie: .stateExpired, withoutCookie: .stateExpired),
        IssuedAt(value: .min + 1, withCookie: .stateExpired, withoutCookie: .stateExpired),
        IssuedAt(value: -(1 << 62), withCookie: .stateExpired, withoutCookie: .stateExpired),
        IssuedAt(value: -1, withCookie: .stateExpired, withoutCookie: .stateExpired),
        IssuedAt(value: 0, withCookie: .stateExpired, withoutCookie: .stateExpired),
        IssuedAt(value: Fixture.start - 601, withCookie: .stateExpired, withoutCookie: .stateExpired),
        IssuedAt(value: Fixture.start + 61, withCookie: .stateFuture, withoutCookie: .bindingMissing),
        IssuedAt(value: 1 << 62, withCookie: .stateFuture, withoutCookie: .bindingMissing),
        IssuedAt(value: .max - 60, withCookie: .stateFuture, withoutCookie: .bindingMissing),
        IssuedAt(value: .max - 1, withCookie: .stateFuture, withoutCookie: .bindingMissing),
        IssuedAt(value: .max, withCookie: .stateFuture, withoutCookie: .bindingMissing),
    ]

    /// A state of ours (our key, the browser's cookie) claiming `issuedAt`.
    static func state(_ flow: Flow, cookie: String, issuedAt: Int64, nonceByte: UInt8 = 9) -> String {
        StateSigner(keys: flow.configuration.stateKeys, ttl: flow.configuration.stateTTL).mint(
            binding: CallbackTests.bindingBytes(cookie), nonce: [UInt8](repeating: nonceByte, count: 32),
            issuedAt: issuedAt)
    }

    @Test(arguments: issuedAts)
    func extremeIssuedAtIsRefusedWithAndWithoutTheCookie(_ issued: IssuedAt) throws {
        let flow = try Flow()
        let (_, cookie) = flow.begin()
        let state = Self.state(flow, cookie: cookie, issuedAt: issued.value)

        let bound = flow.get("/oauth/callback?code=abc&state=\(state)", cookie: cookie)
        #expect(bound.reason == issued.withCookie)
        #expect((400..<500).contains(bound.status))

        let unbound = flow.get("/oauth/callback?code=abc&state=\(state)")
        #expect(unbound.reason == issued.withoutCookie)
        #expect((400..<500).contains(unbound.status))

        // The same claims under a tag nobody can check: no cookie came, so the tag is never looked at.
        var forged = Base64URL.decode(state)!
        for index in 45..<77 { forged[index] ^= 0x5A }
        let forgedResponse = flow.get("/oauth/callback?code=abc&state=\(Base64URL.encode(forged))")
        #expect(forgedResponse.reason == issued.withoutCookie)
        #expect(flow.hook.grants.isEmpty)
    }

    @Test(arguments: issuedAts.map(\.value))
    func unverifiedClaimsReadAnyIssuedAtAsItIs(_ issuedAt: Int64) throws {
        let flow = try Flow()
        let (_, cookie) = flow.begin()
        let signer = StateSigner(keys: flow.configuration.stateKeys, ttl: 600)
        let claims = try #require(signer.unverifiedClaims(Self.state(flow, cookie: cookie, issuedAt: issuedAt)))
        #expect(claims.issuedAt == issuedAt)
        #expect(signer.isExpired(issuedAt: issuedAt, now: Fixture.start) == (issuedAt < Fixture.start - 600))
    }

    @Test(arguments: [Int64.min, .min + 1, -1, 0, Fixture.start - 601, Fixture.start + 61, .max - 60, .max])
    func receiptWithAnExtremeIssuedAtIsNotOpened(_ issuedAt: Int64) throws {
        let flow = try Flow()
        let key = flow.configuration.stateKeys[0]
        let sealed = try #require(
            InstallReceipt(account: "acme", ungrantedOptionalScopes: [], issuedAt: issuedAt).sealed(with: key))
        #expect(InstallReceipt.open(sealed, keys: flow.configuration.stateKeys, now: Fixture.start) == nil)
        let page = flow.get("/installed", cookie: "__Host-hubspot-install-receipt=" + sealed)
        #expect(page.status == 200)
        #expect(!flow.body(page).contains("acme"))
        // And a sane one still opens, so the refusals above are about the number.
        let fresh = try #require(
            InstallReceipt(account: "acme", ungrantedOptionalScopes: [], issuedAt: Fixture.start).sealed(with: key))
        #expect(InstallReceipt.open(fresh, keys: flow.configuration.stateKeys, now: Fixture.start) != nil)
    }

    @Test(arguments: [Int64.min, -1, 0, .max])
    func markersWithExtremeTimesArePrunedWithoutTrapping(_ issuedAt: Int64) throws {
        var template = Array("/tmp/hubspot-install-markers-XXXXXX".utf8CString)
        let directory = try #require(
            template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        defer { _ = try? removeTree(directory) }
        let store = DirectoryNonceStore(directory: directory, ttl: 600)
        #expect(
            store.claim(nonce: [UInt8](repeating: 1, count: 32), issuedAt: issuedAt, now: Fixture.start) == .claimed)
        // A marker whose mtime someone set to the far past or future, then a claim that prunes.
        let planted = directory + "/" + String(repeating: "a", count: 40)
        let fd = open(planted, O_WRONLY | O_CREAT, 0o600)
        #expect(fd >= 0)
        var times = [timespec(tv_sec: Int(issuedAt), tv_nsec: 0), timespec(tv_sec: Int(issuedAt), tv_nsec: 0)]
        _ = futimens(fd, &times)
        close(fd)
        #expect(
            store.claim(nonce: [UInt8](repeating: 2, count: 32), issuedAt: Fixture.start, now: Fixture.start + 3600)
                == .claimed)
        #expect(
            store.claim(nonce: [UInt8](repeating: 2, count: 32), issuedAt: Fixture.start, now: Fixture.start + 3600)
                == .alreadyUsed)
    }

    private func removeTree(_ directory: String) throws {
        guard let dir = opendir(directory) else { return }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { unlink(directory + "/" + name) }
        }
        closedir(dir)
        rmdir(directory)
    }

    // MARK: - configuration numbers

    /// Text as an operator (or a hostile environment) might set it, and the value expected, or nil
    /// for "refused, naming the key".
    static let ttlTexts: [(String, Int64?)] = [
        ("600", 600), ("1", 1), ("86400", 86_400), (" 600 ", 600), ("0", nil), ("-1", nil), ("+600", nil),
        ("-600", nil), ("86401", nil), ("9223372036854775807", nil), ("-9223372036854775808", nil),
        ("9223372036854775808", nil), ("18446744073709551616", nil), (String(repeating: "9", count: 400), nil),
        ("00000000000000000600", nil), ("0x258", nil), ("600s", nil), ("6 00", nil), ("1e3", nil), ("", 600),
        ("\u{0660}", nil),
    ]

    @Test(arguments: ttlTexts)
    func stateTTLTextGivesAValueOrAProblem(_ text: String, _ expected: Int64?) {
        let result = Result { () throws(ConfigurationError) in try Fixture.configuration(["INSTALL_STATE_TTL": text]) }
        switch (result, expected) {
        case (.success(let configuration), let expected?): #expect(configuration.stateTTL == expected)
        case (.failure(let error), nil): #expect(error.problems.map(\.key) == ["INSTALL_STATE_TTL"])
        default: Issue.record("\(text.debugDescription): got \(result), expected \(String(describing: expected))")
        }
    }

    static let timeoutTexts: [(String, Double?)] = [
        ("10", 10), ("0.5", 0.5), ("300", 300), ("300.0", 300), ("0", nil), ("0.0", nil), ("-1", nil), ("+5", nil),
        ("nan", nil), ("NaN", nil), ("inf", nil), ("infinity", nil), ("-inf", nil), ("1e2", nil), ("0x10", nil),
        (".5", nil), ("5.", nil), ("9223372036854775807", nil), ("18446744073709551616", nil),
        (String(repeating: "9", count: 400), nil), ("1.7976931348623157e308", nil), ("301", nil), ("5 s", nil),
    ]

    @Test(arguments: timeoutTexts)
    func hookTimeoutTextGivesAValueOrAProblem(_ text: String, _ expected: Double?) {
        let result = Result { () throws(ConfigurationError) in
            try Fixture.configuration(["INSTALL_TOKEN_HOOK_TIMEOUT": text])
        }
        switch (result, expected) {
        case (.success(let configuration), let expected?): #expect(configuration.hookTimeout == expected)
        case (.failure(let error), nil): #expect(error.problems.map(\.key) == ["INSTALL_TOKEN_HOOK_TIMEOUT"])
        default: Issue.record("\(text.debugDescription): got \(result), expected \(String(describing: expected))")
        }
    }

    @Test(arguments: [
        "A=9223372036854775808", "A=-9223372036854775809", "A=\"", "A='", "=", "==", "A==", "export", "export A",
        "A=" + String(repeating: "9", count: 100_000), String(repeating: "A", count: 100_000) + "=1",
        "A=\u{0}", "\u{FEFF}A=1", "A B=1", "+A=1", "-A=1", " A = 1 ",
    ])
    func environmentFileLinesGiveAValueOrAProblem(_ line: String) {
        let (values, problems) = EnvironmentFile.parse(line + "\n" + line)
        #expect(values.count + problems.count >= 1)
        #expect(problems.allSatisfy { $0.hasPrefix("line ") })
    }

    static let ports: [(String, Int??)] = [
        ("https://x.example:443/", 443), ("https://x.example:1/", 1), ("https://x.example:65535/", 65_535),
        ("https://x.example/", .some(nil)), ("https://x.example:0/", nil), ("https://x.example:65536/", nil),
        ("https://x.example:-1/", nil), ("https://x.example:+443/", nil), ("https://x.example: 443/", nil),
        ("https://x.example:9223372036854775807/", nil), ("https://x.example:9223372036854775808/", nil),
        ("https://x.example:18446744073709551616/", nil),
        ("https://x.example:" + String(repeating: "9", count: 400), nil),
        ("https://[::1]:+443/", nil), ("https://[::1]:00443/", 443), ("https://[::1]:000443/", nil),
        ("https://[::1]:443/", 443),
    ]

    @Test(arguments: ports)
    func portsAreDigitsInRange(_ url: String, _ expected: Int??) {
        let parts = URLParts(url)
        switch expected {
        case .none: #expect(parts == nil)
        case .some(let port): #expect(parts?.port == port)
        }
    }

    @Test(arguments: [
        "https://ok.example/done?x=1\r\nSet-Cookie: a=b", "https://ok.example/done\r", "https://ok.example/a b",
        "https://ok.example/#frag\u{7F}", "https://ok.example/?q=\u{0}", "https://ok.example/é",
        "https://ok.example/\t",
        "https://user@ok.example/", "http://ok.example/", "javascript:alert(1)", "//ok.example/",
    ])
    func webTargetRefusesControlBytesAnywhere(_ url: String) {
        #expect(URLParts.webTarget(url) == nil)
        #expect(InstallResponder.safeRedirect(url) == nil)
    }

    @Test(arguments: [
        "https://ok.example/done?x=1", "http://localhost:8080/x", "http://127.0.0.1:9/x?y#z", "http://[::1]/",
    ])
    func webTargetTakesPlainURLs(_ url: String) {
        #expect(URLParts.webTarget(url) != nil)
        #expect(InstallResponder.safeRedirect(url) == url)
    }
}

/// A URL setting with a control byte anywhere (the query included) never loads: it would end up
/// in a `Location` header or a request line.
struct URLSettingTests {
    @Test(arguments: [
        ("INSTALL_SUCCESS_URL", "https://ok.example/done?x=1\rX-Injected: yes"),
        ("INSTALL_SUCCESS_URL", "https://ok.example/done?x=1\nSet-Cookie: a=b"),
        ("INSTALL_SUCCESS_URL", "/installed?x=\r\nSet-Cookie: a=b"),
        ("INSTALL_SUCCESS_URL", "https://ok.example/done#\u{7F}"),
        ("HUBSPOT_AUTHORIZE_URL", "https://app.hubspot.com/oauth/authorize?x=\r\ny"),
        ("HUBSPOT_TOKEN_URL", "https://api.hubapi.com/oauth/v3/token?\u{0}"),
        ("HUBSPOT_REDIRECT_URI", "https://install.example.com/oauth/callback?a=\rb"),
        ("INSTALL_TOKEN_HOOK", "webhook:https://hooks.example/install?\r\nX: y"),
    ])
    func controlByteInAURLSettingIsRefusedNamingTheKey(_ key: String, _ value: String) {
        #expect {
            try Fixture.configuration([key: value])
        } throws: { error in
            (error as? ConfigurationError)?.problems.contains { $0.key == key && !$0.isWarning } == true
        }
    }
}

/// `CONTENT_LENGTH` as a client (through a web server) may send it: drained up to the bound or not
/// at all, never a trap.
struct ContentLengthTests {
    @Test(arguments: [
        (String?.none, Int?.none), ("", nil), ("0", nil), ("00", nil), ("1", 1), ("4096", 4096), ("65536", 65_536),
        ("65537", 65_536), ("-1", nil), ("-0", nil), ("+5", nil), (" 5", nil), ("5 ", nil), ("0x10", nil),
        ("1e3", nil), ("9223372036854775807", 65_536), ("9223372036854775808", 65_536), ("-9223372036854775808", nil),
        ("18446744073709551616", 65_536), (String(repeating: "9", count: 10_000), 65_536), ("\u{0661}", nil),
        ("5\u{0}", nil),
    ])
    func contentLengthIsDrainedUpToTheBound(_ text: String?, _ expected: Int?) {
        #expect(ContentLength.toDrain(text, limit: 65_536) == expected)
    }
}
