import Synchronization
import Testing

@testable import InstallFlow

/// `INSTALL_HOOK_CONCURRENCY`: a callback that finds every hook slot taken is answered "busy" at
/// once and keeps its state. Slots are held while a hook runs, so each test makes a second
/// callback from inside the first one's hook: no threads, no timing.
struct HookSlotsTests {
    /// Lets a hook reach the flow it belongs to (the hook is built before the flow).
    /// It holds the responder and the hook weakly: the hook holds the box, so strong references
    /// would make a cycle that outlives the test (LeakSanitizer reports it). The test's own `Flow`
    /// keeps them alive while it runs.
    final class FlowBox: Sendable {
        private struct Parts {
            weak var responder: InstallResponder?
            weak var hook: RecordingHook?
            var clock: TestClock?
            var configuration: Configuration?
        }
        private let parts = Mutex(Parts())
        var flow: Flow {
            get {
                parts.withLock {
                    Flow(responder: $0.responder!, hook: $0.hook!, clock: $0.clock!, configuration: $0.configuration!)
                }
            }
            set {
                parts.withLock {
                    $0 = Parts(
                        responder: newValue.responder, hook: newValue.hook, clock: newValue.clock,
                        configuration: newValue.configuration)
                }
            }
        }
    }

    /// A second install link, and what its callback got while the first hook was running.
    final class Nested: Sendable {
        let link = Mutex<(state: String, cookie: String)?>(nil)
        let answers = Mutex<[Response]>([])
    }

    /// A flow whose hook, the first time it runs, sends `nested.link`'s callback through the same
    /// responder (while its own slot is still held).
    static func nestedFlow(hookSlots: Int, depth: Int = 1) throws -> (Flow, Nested) {
        let box = FlowBox()
        let nested = Nested()
        let calls = Atomic<Int>(0)
        let hook = RecordingHook { _ in
            if calls.add(1, ordering: .relaxed).newValue <= depth, let link = nested.link.withLock({ $0 }) {
                let answer = box.flow.get("/oauth/callback?code=second&state=\(link.state)", cookie: link.cookie)
                nested.answers.withLock { $0.append(answer) }
            }
            return HookOutcome()
        }
        let flow = try Flow(hook: hook, hookSlots: hookSlots)
        box.flow = flow
        return (flow, nested)
    }

    @Test func aCallbackFindingEverySlotTakenIsBusyAndKeepsItsState() throws {
        let (flow, nested) = try Self.nestedFlow(hookSlots: 1)
        let first = flow.begin()
        let second = flow.begin(cookie: first.cookie)
        nested.link.withLock { $0 = second }

        let done = flow.get("/oauth/callback?code=first&state=\(first.state)", cookie: first.cookie)
        #expect(done.status == 303 && done.reason == .ok)
        let busy = try #require(nested.answers.withLock { $0.first })
        #expect(busy.status == 503)
        #expect(busy.reason == .hookBusy)
        #expect(busy.route == .callback)
        #expect(busy.header("Retry-After") == "5")
        #expect(busy.header("Cache-Control") == "no-store")
        #expect(flow.body(busy).contains(HTML.escape(Page.hookBusy.words!.title)))
        // The browser keeps its cookie: the link must still work.
        #expect(busy.header("Set-Cookie") == nil)
        #expect(flow.hook.grants.map(\.code.value) == ["first"])
        #expect(flow.responder.hookSlots.inUse == 0)

        // The slot is free again: the same link now runs the hook, once.
        let retried = flow.get("/oauth/callback?code=second&state=\(second.state)", cookie: second.cookie)
        #expect(retried.status == 303 && retried.reason == .ok)
        #expect(flow.hook.grants.map(\.code.value) == ["first", "second"])
        #expect(
            flow.get("/oauth/callback?code=second&state=\(second.state)", cookie: second.cookie).reason
                == .stateReplayed)
    }

    @Test func aFreeSlotLetsASecondHookRunAtOnce() throws {
        let (flow, nested) = try Self.nestedFlow(hookSlots: 2)
        let first = flow.begin()
        nested.link.withLock { $0 = flow.begin(cookie: first.cookie) }
        #expect(flow.get("/oauth/callback?code=first&state=\(first.state)", cookie: first.cookie).reason == .ok)
        #expect(nested.answers.withLock { $0.map(\.reason) } == [.ok])
        #expect(flow.hook.grants.map(\.code.value) == ["first", "second"])
        #expect(flow.responder.hookSlots.inUse == 0)
    }

    @Test func pagesAndHealthAnswerWhileEverySlotIsTaken() throws {
        let box = FlowBox()
        let seen = Mutex<[Int]>([])
        let hook = RecordingHook { _ in
            let flow = box.flow
            let statuses = [
                flow.get("/").status, flow.get("/healthz").status, flow.get("/oauth/authorize").status,
                flow.get("/installed").status,
            ]
            seen.withLock { $0 = statuses + [flow.responder.hookSlots.inUse] }
            return HookOutcome()
        }
        let flow = try Flow(hook: hook, hookSlots: 1)
        box.flow = flow
        let link = flow.begin()
        #expect(flow.get("/oauth/callback?code=c&state=\(link.state)", cookie: link.cookie).reason == .ok)
        #expect(seen.withLock { $0 } == [200, 200, 302, 200, 1])
    }

    @Test(arguments: [HookFailure.Kind.failed, .timedOut, .codeRejected, .providerUnavailable])
    func aFailingHookGivesItsSlotBack(kind: HookFailure.Kind) throws {
        let flow = try Flow(hook: RecordingHook { _ throws(HookFailure) in throw HookFailure(kind) }, hookSlots: 1)
        for _ in 0..<3 {
            let link = flow.begin()
            #expect(flow.get("/oauth/callback?code=c&state=\(link.state)", cookie: link.cookie).reason == kind.reason)
            #expect(flow.responder.hookSlots.inUse == 0)
        }
        #expect(flow.hook.grants.count == 3)
    }

    @Test func refusalsBeforeTheHookTakeNoSlot() throws {
        let flow = try Flow(hookSlots: 1)
        let link = flow.begin()
        #expect(flow.get("/oauth/callback?code=c&state=\(link.state)x", cookie: link.cookie).status == 400)
        #expect(flow.get("/oauth/callback?code=c&state=\(link.state)").status == 400)
        #expect(flow.get("/oauth/callback?code=c&state=\(link.state)", cookie: link.cookie, method: "HEAD").status == 204)
        #expect(flow.responder.hookSlots.inUse == 0)
        #expect(flow.get("/oauth/callback?code=c&state=\(link.state)", cookie: link.cookie).reason == .ok)
    }

    @Test func slotsAreTakenWithoutWaitingUpToTheCapacity() {
        let slots = HookSlots(capacity: 3)
        #expect((0..<5).map { _ in slots.tryAcquire() } == [true, true, true, false, false])
        #expect(slots.inUse == 3)
        slots.release()
        #expect(slots.tryAcquire())
        #expect(!slots.tryAcquire())
        #expect(HookSlots(capacity: 0).capacity == 1)
    }

    final class Peak: Sendable {
        let value = Atomic<Int>(0)
    }

    @Test func slotsHoldUnderContention() async {
        let slots = HookSlots(capacity: 4)
        let peak = Peak()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<2000 where slots.tryAcquire() {
                        _ = peak.value.max(slots.inUse, ordering: .relaxed)
                        slots.release()
                    }
                }
            }
        }
        #expect(peak.value.load(ordering: .relaxed) <= 4)
        #expect(slots.inUse == 0)
    }

    // MARK: - INSTALL_HOOK_CONCURRENCY

    @Test func unsetMeansHalfTheThreadsAndAtLeastOne() throws {
        let configuration = try Fixture.configuration()
        #expect(configuration.hookConcurrency == nil)
        #expect([1, 2, 3, 4, 8, 1024].map { configuration.hookSlots(threads: $0) } == [1, 1, 1, 2, 4, 512])
        #expect(configuration.hookSlotsWarning(threads: 4) == nil)
    }

    @Test func aSetValueIsUsedAsGiven() throws {
        let configuration = try Fixture.configuration(["INSTALL_HOOK_CONCURRENCY": " 3 "])
        #expect(configuration.hookSlots(threads: 8) == 3)
        #expect(configuration.hookSlotsWarning(threads: 8) == nil)
        let warning = try #require(configuration.hookSlotsWarning(threads: 3))
        #expect(warning.key == "INSTALL_HOOK_CONCURRENCY" && warning.isWarning)
        // One thread (a CGI program, mod_fcgid's one-request processes): nothing to leave free.
        #expect(configuration.hookSlotsWarning(threads: 1) == nil)
    }

    @Test(arguments: ["0", "-1", "abc", "1025", "2.5", "1e3", "+", "99999999999999999999999"])
    func aBadValueIsAnErrorNamingTheKey(value: String) {
        #expect {
            try Fixture.configuration(["INSTALL_HOOK_CONCURRENCY": value])
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.names("INSTALL_HOOK_CONCURRENCY") && error.description.contains("1 to 1024")
        }
    }
}

/// The Marketplace routes run hooks too, through the same slots.
struct MarketplaceHookSlotsTests {
    static let back = "https%3A%2F%2Fapp.hubspot.com%2Fback"

    @Test func aDirectInstallFindingEverySlotTakenIsBusyAndItsCodeStillWorks() throws {
        let box = HookSlotsTests.FlowBox()
        let answers = Mutex<[Response]>([])
        let calls = Atomic<Int>(0)
        let hook = RecordingHook { _ in
            if calls.add(1, ordering: .relaxed).newValue == 1 {
                let answer = box.flow.get("/oauth/install?code=second&returnUrl=\(Self.back)")
                answers.withLock { $0.append(answer) }
            }
            return HookOutcome()
        }
        let flow = try Flow(["INSTALL_MARKETPLACE": "direct"], hook: hook, hookSlots: 1)
        box.flow = flow

        let done = flow.get("/oauth/install?code=first&returnUrl=\(Self.back)")
        #expect(done.status == 303)
        let busy = try #require(answers.withLock { $0.first })
        #expect(busy.status == 503)
        #expect(busy.reason == .hookBusy)
        #expect(busy.header("Retry-After") == "5")
        #expect(busy.header("Cache-Control") == "no-store")
        #expect(flow.hook.grants.map(\.code.value) == ["first"])

        // The busy answer did not use the code up: HubSpot's retry (or a reload) goes through.
        let again = flow.get("/oauth/install?code=second&returnUrl=\(Self.back)")
        #expect(again.status == 303)
        #expect(flow.hook.grants.map(\.code.value) == ["first", "second"])
    }
}
