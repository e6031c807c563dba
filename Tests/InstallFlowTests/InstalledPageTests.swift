import Testing

@testable import InstallFlow

struct InstalledPageTests {
    static func install(_ outcome: HookOutcome) throws -> (Flow, Response) {
        let flow = try Flow(hook: RecordingHook { _ in outcome })
        let (state, cookie) = flow.begin()
        return (flow, flow.get("/oauth/callback?code=c&state=\(state)", cookie: cookie))
    }

    static func receipt(_ response: Response) -> String? {
        response.headers.first { $0.name == "Set-Cookie" && $0.value.hasPrefix("__Host-hubspot-install-receipt=") }?
            .value.split(separator: ";")[0].description
    }

    @Test func successPageNamesTheAccountAndTheOptionalScopesNotGranted() throws {
        let (flow, response) = try Self.install(
            HookOutcome(account: "acme<b>.hubspot.com", ungrantedOptionalScopes: ["automation"]))
        let receipt = try #require(Self.receipt(response))
        #expect(receipt.hasPrefix("__Host-hubspot-install-receipt="))
        let page = flow.body(flow.get("/installed", cookie: receipt))
        #expect(page.contains("Connected account: <strong>acme&lt;b&gt;.hubspot.com</strong>"))
        #expect(page.contains("Not available in this account"))
        #expect(page.contains("Workflows"))
    }

    @Test func withoutAReceiptTheSuccessPageIsGeneric() throws {
        let (flow, response) = try Self.install(HookOutcome())
        #expect(Self.receipt(response) == nil)
        let page = flow.body(flow.get("/installed"))
        #expect(page.contains("is connected to HubSpot"))
        #expect(!page.contains("Connected account"))
    }

    @Test func aForgedOrExpiredReceiptIsIgnored() throws {
        let (flow, response) = try Self.install(HookOutcome(account: "acme.hubspot.com"))
        let receipt = try #require(Self.receipt(response))
        let forged = String(receipt.dropLast(2)) + (receipt.hasSuffix("AA") ? "BA" : "AA")
        #expect(!flow.body(flow.get("/installed", cookie: forged)).contains("acme"))
        flow.clock.now += 601
        #expect(!flow.body(flow.get("/installed", cookie: receipt)).contains("acme"))
    }
}
