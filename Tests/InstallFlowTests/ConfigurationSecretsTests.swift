import Testing

@testable import InstallFlow

/// The responder loads the configuration without reading the client secret or the webhook key:
/// it only checks that they are named, with the same words as the token program would use.
struct ConfigurationSecretsTests {
    func load(_ changes: [String: String?]) throws(ConfigurationError) -> Configuration {
        try Configuration.load(environment: Fixture.environment(changes), configFile: nil, readingSecrets: false)
    }

    @Test func namedSecretsAreNotRead() throws {
        let hubspot = try load([
            "INSTALL_TOKEN_HOOK": "hubspot", "HUBSPOT_CLIENT_SECRET_FILE": "/nonexistent/client-secret",
        ])
        #expect(hubspot.clientSecret == nil)
        let webhook = try load([
            "INSTALL_TOKEN_HOOK": "webhook:https://hooks.example.com/x", "INSTALL_WEBHOOK_KEY": "not base64url!",
        ])
        #expect(webhook.webhookKey == nil)
        // Read, the same settings are refused: the token program reports these.
        #expect(throws: ConfigurationError.self) {
            try Configuration.load(
                environment: Fixture.environment([
                    "INSTALL_TOKEN_HOOK": "hubspot", "HUBSPOT_CLIENT_SECRET_FILE": "/nonexistent/client-secret",
                ]), configFile: nil, readingSecrets: true)
        }
    }

    @Test(
        arguments: [
            (["INSTALL_TOKEN_HOOK": "hubspot"], "HUBSPOT_CLIENT_SECRET: is required with INSTALL_TOKEN_HOOK=hubspot"),
            (
                ["INSTALL_TOKEN_HOOK": "hubspot", "HUBSPOT_CLIENT_SECRET": "s", "HUBSPOT_CLIENT_SECRET_FILE": "/f"],
                "HUBSPOT_CLIENT_SECRET: set either"
            ),
            (
                ["INSTALL_TOKEN_HOOK": "hubspot", "HUBSPOT_CLIENT_SECRET_FILE": "relative"],
                "HUBSPOT_CLIENT_SECRET_FILE: must be an absolute path"
            ),
            (
                ["INSTALL_TOKEN_HOOK": "webhook:https://hooks.example.com/x"],
                "INSTALL_WEBHOOK_KEY: is required with webhook:"
            ),
        ] as [([String: String], String)])
    func missingSecretsAreStillConfigurationErrors(_ changes: [String: String], _ start: String) {
        let error = #expect(throws: ConfigurationError.self) { try load(changes) }
        #expect(error?.problems.contains { $0.description.hasPrefix(start) } == true, "\(error?.problems ?? [])")
    }
}
