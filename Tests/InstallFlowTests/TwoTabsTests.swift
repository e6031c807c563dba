import Testing

@testable import InstallFlow

/// Two tabs started from one browser share its binding cookie. Finishing one must not strand the
/// other, in either order; a used link stays used whatever the cookie.
struct TwoTabsTests {
    /// Tab one and tab two, started one after the other in the same browser.
    func twoTabs(_ flow: Flow) -> (first: String, second: String, cookie: String) {
        let first = flow.begin()
        let second = flow.begin(cookie: first.cookie)
        #expect(second.cookie == first.cookie)
        #expect(second.state != first.state)
        return (first.state, second.state, first.cookie)
    }

    @Test(arguments: [false, true])
    func bothTabsFinishInEitherOrder(_ secondFirst: Bool) throws {
        let flow = try Flow()
        let (first, second, cookie) = twoTabs(flow)
        let order = secondFirst ? [second, first] : [first, second]
        for (index, state) in order.enumerated() {
            flow.clock.now += 5
            let response = flow.get("/oauth/callback?code=code-\(index)&state=\(state)", cookie: cookie)
            #expect(response.status == 303, "tab \(index + 1) to finish")
            #expect(response.reason == .ok)
            // Nothing clears the cookie the other tab still needs.
            #expect(
                !response.headers.contains { $0.name == "Set-Cookie" && $0.value.hasPrefix("__Host-hubspot-install=") })
        }
        #expect(flow.hook.grants.map(\.code.value) == ["code-0", "code-1"])
    }

    @Test(arguments: [false, true])
    func aFailedTabDoesNotStrandTheOther(_ secondFirst: Bool) throws {
        let failing = RecordingHook { grant throws(HookFailure) in
            if grant.code.value == "bad" { throw HookFailure(.providerUnavailable, detail: "down") }
            return HookOutcome()
        }
        let flow = try Flow(hook: failing)
        let (first, second, cookie) = twoTabs(flow)
        let (failed, finished) = secondFirst ? (second, first) : (first, second)
        #expect(flow.get("/oauth/callback?code=bad&state=\(failed)", cookie: cookie).reason == .providerUnavailable)
        #expect(flow.get("/oauth/callback?code=good&state=\(finished)", cookie: cookie).reason == .ok)
        #expect(flow.hook.grants.count == 2)
    }

    @Test func backAndConnectAgainAfterSuccessIsAlreadyUsedAndNeverRunsTheHookTwice() throws {
        let flow = try Flow()
        let (state, cookie) = flow.begin()
        #expect(flow.get("/oauth/callback?code=first&state=\(state)", cookie: cookie).status == 303)
        // Back to HubSpot's consent page, Connect again: a new code, the same state, the cookie still there.
        let again = flow.get("/oauth/callback?code=second&state=\(state)", cookie: cookie)
        #expect(again.reason == .stateReplayed)
        #expect(flow.body(again).contains(HTML.escape(Page.linkUsed.words!.title)))
        // Once the cookie has expired with the state, the same words.
        flow.clock.now += 30
        let withoutCookie = flow.get("/oauth/callback?code=third&state=\(state)")
        #expect(withoutCookie.reason == .stateReplayed)
        #expect(flow.body(withoutCookie).contains(HTML.escape(Page.linkUsed.words!.title)))
        #expect(flow.hook.grants.map(\.code.value) == ["first"])
    }

    @Test func bothTabsThenBackInEachIsAlreadyUsed() throws {
        let flow = try Flow()
        let (first, second, cookie) = twoTabs(flow)
        for state in [second, first] {
            #expect(flow.get("/oauth/callback?code=c&state=\(state)", cookie: cookie).status == 303)
        }
        for state in [first, second] {
            #expect(flow.get("/oauth/callback?code=d&state=\(state)", cookie: cookie).reason == .stateReplayed)
        }
        #expect(flow.hook.grants.count == 2)
    }
}
