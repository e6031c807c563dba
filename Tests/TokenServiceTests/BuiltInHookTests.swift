import Foundation
import InstallCrypto
import InstallFlow
import Testing

@testable import TokenService

struct BuiltInHookTests {
    let directory = TemporaryDirectory()

    func configuration(_ changes: [String: String]) throws -> InstallFlow.Configuration {
        var environment = [
            "HUBSPOT_CLIENT_ID": "client-1", "HUBSPOT_REDIRECT_URI": "https://install.example.com/oauth/callback",
            "INSTALL_STATE_KEYS": Base64URL.encode([UInt8](repeating: 0xA1, count: 32)),
            "INSTALL_PUBLIC_DIR": directory.path, "INSTALL_STATE_DIR": directory.path + "/state",
        ]
        for (key, value) in changes { environment[key] = value }
        return try Configuration.load(environment: environment, configFile: nil, readingSecrets: true)
    }

    @Test func hubspotHookOpensItsStore() throws {
        let configuration = try configuration(["INSTALL_TOKEN_HOOK": "hubspot", "HUBSPOT_CLIENT_SECRET": "s"])
        #expect(BuiltInHook.problems(configuration: configuration).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/state/tokens.sqlite3"))
        let hook = try BuiltInHook.make(configuration: configuration)
        #expect(hook is HubSpotExchangeHook)
        #expect(directory.mode("state/tokens.sqlite3") == 0o600)
    }

    @Test func webhookHookGetsItsKey() throws {
        let configuration = try configuration([
            "INSTALL_TOKEN_HOOK": "webhook:http://127.0.0.1:9/hook",
            "INSTALL_WEBHOOK_KEY": Base64URL.encode([UInt8](repeating: 7, count: 32)),
        ])
        let hook = try #require(try BuiltInHook.make(configuration: configuration) as? WebhookHook)
        #expect(hook.url == "http://127.0.0.1:9/hook")
    }

    @Test func unusableTokenDatabaseStopsTheStart() throws {
        _ = FileManager.default.createFile(atPath: directory.path + "/file", contents: nil)
        let configuration = try configuration([
            "INSTALL_TOKEN_HOOK": "hubspot", "HUBSPOT_CLIENT_SECRET": "s",
            "INSTALL_TOKEN_DB": directory.path + "/file/tokens.sqlite3",
        ])
        #expect(throws: ConfigurationError.self) { try BuiltInHook.make(configuration: configuration) }
        #expect(BuiltInHook.problems(configuration: configuration).first?.key == "INSTALL_TOKEN_DB")
    }
}
