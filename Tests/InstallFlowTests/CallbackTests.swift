import InstallCrypto
import Testing

@testable import InstallFlow

struct CallbackTests {
    @Test func genuineRoundTripRunsTheHookOnceAndRedirects() throws {
        let flow = try Flow()
        let (state, cookie) = flow.begin()
        flow.clock.now += 30
        let response = flow.get("/oauth/callback?code=abc-123&state=\(state)", cookie: cookie)
        #expect(response.status == 303)
        #expect(response.header("Location") == "/installed")
        // The binding cookie stays: it expires with the state, so another tab can still finish.
        #expect(response.header("Set-Cookie") == nil)
        #expect(response.reason == .ok)
        let grant = try #require(flow.hook.grants.first)
        #expect(flow.hook.grants.count == 1)
        #expect(grant.code.value == "abc-123")
        #expect(grant.redirectURI == "https://install.example.com/oauth/callback")
        #expect(grant.clientID == "9b4a5e2c-1f3d-4a8b-9c7e-6d5f4e3c2b1a")
        #expect(grant.scopes == ["oauth", "contacts"])
        #expect(grant.optionalScopes == ["automation"])
        #expect(grant.issuedAt == Fixture.start)
        // The hook's request id is the log line's, so the two can be matched.
        #expect(grant.requestID == response.requestID)
    }

    @Test func hookJSONIsExactlyTheDesignedObject() throws {
        var grant = AuthorizationGrant(
            code: AuthorizationCode("c\"o\\de"), redirectURI: "https://x.example/cb", clientID: "id",
            scopes: ["oauth", "contacts"], optionalScopes: [], issuedAt: 1_790_000_000, requestID: "r-1",
            installID: "aWQ")
        // Every key of earlier versions keeps its place; new keys only ever come after them.
        #expect(
            String(decoding: grant.jsonBody(), as: UTF8.self)
                == #"{"code":"c\"o\\de","redirect_uri":"https://x.example/cb","client_id":"id","scopes":["oauth","contacts"],"optional_scopes":[],"issued_at":1790000000,"request_id":"r-1","flow":"install","install_id":"aWQ"}"#
        )
        grant.flow = .marketplace
        grant.codeVerifier = Secret("v\u{1}")
        #expect(
            String(decoding: grant.jsonBody(), as: UTF8.self).hasSuffix(
                #""request_id":"r-1","flow":"marketplace","install_id":"aWQ","code_verifier":"v\u0001"}"#))
    }

    @Test func installIDIsStablePerStateAndSaysNothingOfIt() throws {
        let flow = try Flow()
        let (state, cookie) = flow.begin()
        _ = flow.get("/oauth/callback?code=c1&state=\(state)", cookie: cookie)
        let grant = try #require(flow.hook.grants.first)
        #expect(grant.flow == .install)
        #expect(grant.codeVerifier == nil)
        let nonce = try #require(flow.responder.signer.unverifiedClaims(state)?.nonce)
        #expect(grant.installID == InstallID.forState(nonce: nonce))
        #expect(grant.installID.utf8.count == 43)
        #expect(!state.contains(grant.installID) && !cookie.contains(grant.installID))
        // Another state, another id.
        let other = flow.begin()
        _ = flow.get("/oauth/callback?code=c1&state=\(other.state)", cookie: other.cookie)
        #expect(flow.hook.grants.count == 2)
        #expect(flow.hook.grants[1].installID != grant.installID)
        #expect(InstallID.forCode(AuthorizationCode("c1")) != InstallID.forCode(AuthorizationCode("c2")))
    }

    @Test func hookMayChooseAnHTTPSRedirectOnly() throws {
        let good = try Flow(hook: RecordingHook { _ in HookOutcome(redirect: "https://app.example.com/welcome") })
        let (state, cookie) = good.begin()
        #expect(
            good.get("/oauth/callback?code=c&state=\(state)", cookie: cookie).header("Location")
                == "https://app.example.com/welcome")
        let bad = try Flow(hook: RecordingHook { _ in HookOutcome(redirect: "javascript:alert(1)") })
        let second = bad.begin()
        #expect(
            bad.get("/oauth/callback?code=c&state=\(second.state)", cookie: second.cookie).header("Location")
                == "/installed")
    }

    @Test(arguments: [
        (HookFailure.Kind.failed, Page.installFailed, 502),
        (.timedOut, .installFailed, 502),
        (.codeRejected, .linkExpired, 400),
        (.providerUnavailable, .hubSpotUnavailable, 502),
    ])
    func hookFailureShowsAFixedPage(kind: HookFailure.Kind, page: Page, status: Int) throws {
        let flow = try Flow(
            hook: RecordingHook { _ throws(HookFailure) in throw HookFailure(kind, detail: "exit status 1") })
        let (state, cookie) = flow.begin()
        let response = flow.get("/oauth/callback?code=c&state=\(state)", cookie: cookie)
        #expect(response.status == status)
        #expect(response.reason == kind.reason)
        #expect(response.diagnostics == "exit status 1")
        #expect(flow.body(response).contains(HTML.escape(page.words!.title)))
        #expect(response.header("Set-Cookie") == nil)
        // The state is used up: a retry with the same link is a replay, not a second hook run.
        #expect(flow.get("/oauth/callback?code=c&state=\(state)", cookie: cookie).reason == .stateReplayed)
        #expect(flow.hook.grants.count == 1)
    }

    @Test func stateIsValidUpToTheTTLAndSixtySecondsAhead() throws {
        let flow = try Flow()
        let (state, cookie) = flow.begin()
        flow.clock.now += 600
        #expect(flow.get("/oauth/callback?code=c&state=\(state)", cookie: cookie).reason == .ok)
        let ahead = try Flow()
        let early = ahead.begin()
        ahead.clock.now -= 60
        #expect(ahead.get("/oauth/callback?code=c&state=\(early.state)", cookie: early.cookie).reason == .ok)
    }

    @Test func headNeverCallsTheHookNorUsesTheState() throws {
        let flow = try Flow()
        let (state, cookie) = flow.begin()
        let head = flow.get("/oauth/callback?code=c&state=\(state)", cookie: cookie, method: "HEAD")
        #expect(head.reason == .headIgnored)
        #expect(flow.hook.grants.isEmpty)
        #expect(flow.get("/oauth/callback?code=c&state=\(state)", cookie: cookie).reason == .ok)
    }

    // MARK: - hostile callbacks

    /// One hostile callback: built from a genuine state and cookie, expected to be refused with a
    /// reason word, a 4xx page and no hook call.
    struct Hostile: Sendable, CustomTestStringConvertible {
        var name: String
        var reason: Reason
        var build: @Sendable (_ flow: Flow, _ state: String, _ cookie: String) -> Response
        var testDescription: String { name }

        init(_ name: String, _ reason: Reason, _ build: @escaping @Sendable (Flow, String, String) -> Response) {
            self.name = name
            self.reason = reason
            self.build = build
        }

        /// A callback with this query and the genuine cookie.
        init(_ name: String, _ reason: Reason, query: @escaping @Sendable (String) -> String) {
            self.init(name, reason) { flow, state, cookie in flow.get("/oauth/callback?" + query(state), cookie: cookie)
            }
        }
    }

    static func replacingLast(_ state: String, with character: Character) -> String {
        String(state.dropLast()) + String(character)
    }

    /// A state signed by a key the responder does not have.
    static func foreignState(binding: [UInt8], keyByte: UInt8, patchKeyID: [UInt8]? = nil) -> String {
        let signer = StateSigner(keys: [StateKey(bytes: [UInt8](repeating: keyByte, count: 32))], ttl: 600)
        let state = signer.mint(binding: binding, nonce: [UInt8](repeating: 7, count: 32), issuedAt: Fixture.start)
        guard let patchKeyID else { return state }
        var bytes = Base64URL.decode(state)!
        bytes.replaceSubrange(1..<5, with: patchKeyID)
        return Base64URL.encode(bytes)
    }

    static func bindingBytes(_ cookie: String) -> [UInt8] {
        Base64URL.decode(cookie.split(separator: "=", maxSplits: 1)[1])!
    }

    static let hostile: [Hostile] = [
        Hostile("no query at all", .stateMissing, query: { _ in "" }),
        Hostile("code without state", .stateMissing, query: { _ in "code=abc" }),
        Hostile("empty state", .stateMissing, query: { _ in "code=abc&state=" }),
        Hostile("State in another case", .stateMissing, query: { "code=abc&State=\($0)" }),
        Hostile("empty code", .codeMissing, query: { "code=&state=\($0)" }),
        Hostile("no code", .codeMissing, query: { "state=\($0)" }),
        Hostile("state twice", .queryDuplicated, query: { "code=abc&state=\($0)&state=\($0)" }),
        Hostile("state twice, one empty", .queryDuplicated, query: { "code=abc&state=&state=\($0)" }),
        Hostile("code twice", .queryDuplicated, query: { "code=abc&code=def&state=\($0)" }),
        Hostile("error twice", .queryDuplicated, query: { "error=a&error=b&state=\($0)" }),
        Hostile("state with padding", .stateMalformed, query: { "code=abc&state=\($0)=" }),
        Hostile("state with encoded padding", .stateMalformed, query: { "code=abc&state=\($0)%3D" }),
        Hostile("state truncated", .stateMalformed, query: { "code=abc&state=\($0.dropLast())" }),
        Hostile("state extended", .stateMalformed, query: { "code=abc&state=\($0)A" }),
        Hostile("state with +", .stateMalformed, query: { "code=abc&state=+" + $0.dropFirst() }),
        Hostile("state with encoded +", .stateMalformed, query: { "code=abc&state=%2B" + $0.dropFirst() }),
        Hostile("state with /", .stateMalformed, query: { "code=abc&state=%2F" + $0.dropFirst() }),
        Hostile(
            "state with non-zero trailing bits", .stateMalformed,
            query: { state in
                // 77 bytes in 103 characters leave 2 spare bits; set them.
                let last = state.last!
                let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
                let index = alphabet.firstIndex(of: last)!
                return "code=abc&state="
                    + replacingLast(state, with: alphabet[index | 1 == index ? index ^ 2 : index | 1])
            }),
        Hostile("state double percent-encoded", .stateMalformed, query: { "code=abc&state=%25" + $0 }),
        Hostile("state with trailing space", .stateMalformed, query: { "code=abc&state=\($0)%20" }),
        Hostile("state with NUL", .stateMalformed, query: { "code=abc&state=\($0.dropLast())%00" }),
        Hostile("state non-ASCII", .stateMalformed, query: { "code=abc&state=\($0.dropLast(2))%C3%A9" }),
        Hostile("state from an unknown key", .stateUnknownKey) { flow, _, cookie in
            let forged = foreignState(binding: bindingBytes(cookie), keyByte: 0x33)
            return flow.get("/oauth/callback?code=abc&state=\(forged)", cookie: cookie)
        },
        Hostile("state from a wrong key posing as ours", .stateBadTag) { flow, _, cookie in
            let ourID = flow.configuration.stateKeys[0].id
            let forged = foreignState(binding: bindingBytes(cookie), keyByte: 0x33, patchKeyID: ourID)
            return flow.get("/oauth/callback?code=abc&state=\(forged)", cookie: cookie)
        },
        Hostile("expired", .stateExpired) { flow, state, cookie in
            flow.clock.now += 601
            return flow.get("/oauth/callback?code=abc&state=\(state)", cookie: cookie)
        },
        Hostile("issued in the future", .stateFuture) { flow, state, cookie in
            flow.clock.now -= 61
            return flow.get("/oauth/callback?code=abc&state=\(state)", cookie: cookie)
        },
        Hostile("replayed", .stateReplayed) { flow, state, cookie in
            _ = flow.get("/oauth/callback?code=abc&state=\(state)", cookie: cookie)
            flow.hook.reset()
            return flow.get("/oauth/callback?code=abc&state=\(state)", cookie: cookie)
        },
        Hostile("Back and Connect again after success: cookie cleared, state used", .stateReplayed) {
            flow, state, cookie in
            _ = flow.get("/oauth/callback?code=abc&state=\(state)", cookie: cookie)
            flow.hook.reset()
            return flow.get("/oauth/callback?code=def&state=\(state)")
        },
        Hostile("late return: cookie and state expired together", .stateExpired) { flow, state, _ in
            flow.clock.now += 601
            return flow.get("/oauth/callback?code=abc&state=\(state)")
        },
        Hostile("binding cookie missing", .bindingMissing) { flow, state, _ in
            flow.get("/oauth/callback?code=abc&state=\(state)")
        },
        Hostile("foreign binding cookie", .stateBadTag) { flow, state, _ in
            let other = flow.begin()
            return flow.get("/oauth/callback?code=abc&state=\(state)", cookie: other.cookie)
        },
        Hostile("binding cookie malformed", .bindingMalformed) { flow, state, _ in
            flow.get("/oauth/callback?code=abc&state=\(state)", cookie: "__Host-hubspot-install=AAAA")
        },
        Hostile("binding cookie tossed in twice", .bindingDuplicated) { flow, state, cookie in
            let other = flow.begin()
            return flow.get("/oauth/callback?code=abc&state=\(state)", cookie: cookie + "; " + other.cookie)
        },
        Hostile("binding cookie under the http name", .bindingMissing) { flow, state, cookie in
            flow.get("/oauth/callback?code=abc&state=\(state)", cookie: String(cookie.dropFirst("__Host-".count)))
        },
        Hostile(
            "error without state", .providerError,
            query: { _ in "error=access_denied&error_description=%3Cscript%3E" }),
        Hostile("error with a genuine state", .providerError, query: { "error=access_denied&state=\($0)" }),
        Hostile(
            "error and code with a genuine state", .providerError,
            query: { "code=abc&error=server_error&state=\($0)" }),
        Hostile(
            "error with a tampered state", .stateBadTag,
            query: { "error=access_denied&state=" + CallbackTests.flipBit($0, 400) }),
        Hostile("error with a malformed state", .stateMalformed, query: { "error=access_denied&state=\($0)x" }),
        Hostile(
            "oversized query", .queryTooLarge,
            query: { "code=abc&state=\($0)&pad=" + String(repeating: "a", count: 4096) }),
        Hostile(
            "oversized code", .codeMalformed, query: { "code=" + String(repeating: "a", count: 513) + "&state=\($0)" }
        ),
        Hostile("non-ASCII code", .codeMalformed, query: { "code=%C3%A9t%C3%A9&state=\($0)" }),
        Hostile("code with a control byte", .codeMalformed, query: { "code=ab%0Acd&state=\($0)" }),
        Hostile("code with a space", .codeMalformed, query: { "code=ab+cd&state=\($0)" }),
        Hostile("broken percent escape", .queryMalformed, query: { "code=%G1&state=\($0)" }),
        Hostile("truncated percent escape", .queryMalformed, query: { "code=abc&state=\($0)%4" }),
        Hostile("invalid UTF-8", .queryMalformed, query: { "code=%FF%FE&state=\($0)" }),
        Hostile("trailing slash", .notFound) { flow, state, cookie in
            flow.get("/oauth/callback/?code=abc&state=\(state)", cookie: cookie)
        },
        Hostile("double slash", .notFound) { flow, state, cookie in
            flow.get("//oauth/callback?code=abc&state=\(state)", cookie: cookie)
        },
        Hostile("encoded slash", .notFound) { flow, state, cookie in
            flow.get("/oauth%2Fcallback?code=abc&state=\(state)", cookie: cookie)
        },
        Hostile("dot segment", .notFound) { flow, state, cookie in
            flow.get("/oauth/./callback?code=abc&state=\(state)", cookie: cookie)
        },
        Hostile("dot-dot segment", .notFound) { flow, state, cookie in
            flow.get("/oauth/x/../callback?code=abc&state=\(state)", cookie: cookie)
        },
        Hostile("upper-case path", .notFound) { flow, state, cookie in
            flow.get("/OAUTH/CALLBACK?code=abc&state=\(state)", cookie: cookie)
        },
        Hostile("POST", .methodNotAllowed) { flow, state, cookie in
            flow.get("/oauth/callback?code=abc&state=\(state)", cookie: cookie, method: "POST")
        },
    ]

    static func flipBit(_ state: String, _ bit: Int) -> String {
        var bytes = Base64URL.decode(state)!
        bytes[bit / 8] ^= 1 << UInt8(bit % 8)
        return Base64URL.encode(bytes)
    }

    @Test(arguments: hostile)
    func hostileCallbackIsRefusedWithoutCallingTheHook(_ hostile: Hostile) throws {
        let flow = try Flow()
        let (state, cookie) = flow.begin()
        let response = hostile.build(flow, state, cookie)
        #expect(response.reason == hostile.reason)
        #expect((400..<500).contains(response.status))
        #expect(flow.hook.grants.isEmpty)
        let page = flow.body(response)
        #expect(!page.contains(state) && !page.contains("abc") && !page.contains("script"))
        #expect(response.header("Cache-Control") == "no-store")
    }

    @Test func tableHasAtLeastFortyCases() {
        #expect(Self.hostile.count >= 40)
    }

    @Test func everyBitOfTheStateMatters() throws {
        let flow = try Flow()
        let (state, cookie) = flow.begin()
        for bit in 0..<(StateSigner.byteCount * 8) {
            let reason = flow.get("/oauth/callback?code=abc&state=\(Self.flipBit(state, bit))", cookie: cookie).reason
            let expected: Reason = bit < 8 ? .stateVersion : bit < 40 ? .stateUnknownKey : .stateBadTag
            #expect(reason == expected, "bit \(bit)")
        }
        #expect(flow.hook.grants.isEmpty)
    }

    @Test func aRotatedOutKeyStillVerifiesUntilExpiry() throws {
        let old = try Flow(["INSTALL_STATE_KEYS": Fixture.keyA])
        let (state, cookie) = old.begin()
        let rotated = try Flow(["INSTALL_STATE_KEYS": Fixture.keyB + " " + Fixture.keyA])
        #expect(rotated.get("/oauth/callback?code=abc&state=\(state)", cookie: cookie).reason == .ok)
        let newState = rotated.begin()
        #expect(Base64URL.decode(newState.state)![1..<5] == rotated.configuration.stateKeys[0].id[...])
    }
}
