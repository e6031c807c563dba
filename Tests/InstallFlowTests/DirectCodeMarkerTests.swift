import Testing

@testable import InstallFlow

/// HubSpot's `direct` Marketplace flow brings a code and no state. Its one-time marker is the only
/// thing that keeps the same code from reaching the hook twice, so it must outlive the state TTL
/// that prunes the markers of states.
struct DirectCodeMarkerTests {
    static let back = "https%3A%2F%2Fapp.hubspot.com%2Fback"

    @Test func theSameCodeLongAfterTheStateTTLStillRunsNoHook() throws {
        let directory = NonceStoreTests.temporaryDirectory()
        let flow = try Flow(
            ["INSTALL_MARKETPLACE": "direct", "INSTALL_STATE_TTL": "60"],
            nonces: DirectoryNonceStore(directory: directory, ttl: 60))
        #expect(flow.get("/oauth/install?code=one-code&returnUrl=\(Self.back)").status == 303)

        // Two hours on (markers of states are pruned after TTL + 60 s), another install prunes.
        flow.clock.now += 7_200
        #expect(flow.get("/oauth/install?code=other-code&returnUrl=\(Self.back)").status == 303)
        let again = flow.get("/oauth/install?code=one-code&returnUrl=\(Self.back)")
        #expect(again.reason == .codeReplayed)
        #expect(flow.hook.grants.map(\.code.value) == ["one-code", "other-code"])

        // A day and more on, the marker may go: HubSpot has long stopped accepting the code.
        flow.clock.now += InstallResponder.codeMarkerRetention + 120
        #expect(flow.get("/oauth/install?code=third-code&returnUrl=\(Self.back)").status == 303)
        #expect(flow.get("/oauth/install?code=one-code&returnUrl=\(Self.back)").status == 303)
    }
}
