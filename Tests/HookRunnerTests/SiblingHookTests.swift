import Foundation
import InstallCrypto
import InstallFlow
import Testing

@testable import HookRunner

/// How the responder runs the token program for `hubspot` and `webhook:`, and what it makes of the
/// exit statuses and answers of the exec-hook protocol.
@Suite(.serialized)
struct SiblingHookTests {
    func load(_ changes: [String: String], directory: String) throws -> InstallFlow.Configuration {
        var environment = [
            "HUBSPOT_CLIENT_ID": "client-1", "HUBSPOT_REDIRECT_URI": "https://install.example.com/oauth/callback",
            "INSTALL_STATE_KEYS": Base64URL.encode([UInt8](repeating: 0xA1, count: 32)),
            "INSTALL_PUBLIC_DIR": directory, "INSTALL_STATE_DIR": directory + "/state",
        ]
        for (key, value) in changes { environment[key] = value }
        return try Configuration.load(environment: environment, configFile: nil, readingSecrets: false)
    }

    @Test func builtInHooksRunTheTokenProgramWithTheirArgumentsAndOnlyTheSettings() throws {
        let scripts = try HookScripts()
        let program = try scripts.script(
            #"printf '%s\n' "$@" > "\#(scripts.file("argv"))"; tr '\0' '\n' < /proc/$$/environ > "\#(scripts.file("env"))"; echo '{"account":"hub 7"}'"#
        )
        let environment = [
            "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HTTP_PROXY": "http://from-a-request", "QUERY_STRING": "code=x",
            "https_proxy": "http://proxy:3128", "INSTALL_TOKEN_HOOK": "webhook:https://hooks.example.com/x",
            "INSTALL_WEBHOOK_KEY_FILE": "/etc/key", "HUBSPOT_INSTALL_CONFIG": "relative.env", "OTHER": "no",
        ]
        let configuration = try load(environment, directory: scripts.directory)
        let hook = try HookFactory.make(
            configuration: configuration, environment: environment, configFile: nil, tokensProgram: program)
        let exec = try #require(hook as? ExecHook)
        #expect(exec.arguments == ["hook", "webhook", "https://hooks.example.com/x"])
        #expect(exec.timeout == configuration.hookTimeout + HookFactory.tokensProgramGrace)

        let outcome = try exec.retryingBusyScripts().exchange(.sample())
        #expect(outcome.account == "hub 7")
        #expect(String(decoding: try scripts.read("argv"), as: UTF8.self) == "hook\nwebhook\nhttps://hooks.example.com/x\n")
        let lines = Set(String(decoding: try scripts.read("env"), as: UTF8.self).split(separator: "\n").map(String.init))
        #expect(
            lines == [
                "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "https_proxy=http://proxy:3128",
                "INSTALL_TOKEN_HOOK=webhook:https://hooks.example.com/x", "INSTALL_WEBHOOK_KEY_FILE=/etc/key",
                "HUBSPOT_INSTALL_CONFIG=\(FileManager.default.currentDirectoryPath)/relative.env",
            ])
    }

    @Test func exitStatusesOfTheProtocolAreTheFlowsKinds() throws {
        let scripts = try HookScripts()
        for (status, kind) in [(75, HookFailure.Kind.providerUnavailable), (76, .codeRejected), (124, .timedOut),
            (1, .failed), (77, .failed)]
        {
            let path = try scripts.script("echo 'HubSpot said no' >&2; exit \(status)", named: "hook\(status)")
            let failure = try #require(throws: HookFailure.self) { try ExecHook.testing(path).exchange(.sample()) }
            #expect(failure.kind == kind, "exit \(status)")
            #expect(failure.detail.hasSuffix("stderr: HubSpot said no"))
        }
    }

    @Test func ungrantedOptionalScopesAreKeptOnlyIfTheInstallAskedForThem() throws {
        let scripts = try HookScripts()
        let path = try scripts.script(#"echo '{"account":"a","ungranted_optional_scopes":["forms","<b>x</b>","oauth"]}'"#)
        let outcome = try ExecHook.testing(path).exchange(.sample())
        #expect(outcome.ungrantedOptionalScopes == ["forms"])
        let wrong = try scripts.script(#"echo '{"ungranted_optional_scopes":"forms"}'"#)
        #expect(
            throws: HookFailure(
                .failed, detail: #"hook printed a "ungranted_optional_scopes" that is not a list of strings"#)
        ) { try ExecHook.testing(wrong).exchange(.sample()) }
    }

    @Test func aMissingTokenProgramIsAConfigurationProblemOfTheHook() throws {
        let scripts = try HookScripts()
        let configuration = try load(
            ["INSTALL_TOKEN_HOOK": "hubspot", "HUBSPOT_CLIENT_SECRET_FILE": "/nonexistent"], directory: scripts.directory)
        let error = try #require(throws: ConfigurationError.self) {
            try HookFactory.make(
                configuration: configuration, environment: [:], configFile: nil,
                tokensProgram: scripts.directory + "/missing")
        }
        #expect(error.problems.map(\.key) == ["INSTALL_TOKEN_HOOK"])
        // exec: hooks need no token program at all.
        let exec = try scripts.script("exit 0")
        let plain = try load(["INSTALL_TOKEN_HOOK": "exec:" + exec], directory: scripts.directory)
        let hook = try HookFactory.make(
            configuration: plain, environment: [:], configFile: nil, tokensProgram: scripts.directory + "/missing")
        #expect((hook as? ExecHook)?.arguments == [])
    }
}
