import ArgumentParser
import Foundation
import InstallFlow
import TokenService

/// `hubspot-install-tokens hook hubspot|webhook URL`: the built-in hooks, run by the responder
/// through the exec-hook protocol (the grant's JSON on stdin; exit 0 with `{"account":...}` on
/// stdout, 75 when HubSpot or the receiver did not answer usefully, 76 when the code was refused,
/// 124 on a timeout, 1 otherwise; one line on stderr says why, without the code, a token, the
/// secret or a body).
struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Run a built-in token hook on the grant given on stdin (hubspot-install runs this).",
        subcommands: [HubSpot.self, Webhook.self]
    )

    struct HubSpot: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hubspot", abstract: "Exchange the code at HubSpot and store the tokens.")

        @OptionGroup var options: ConfigOptions

        func run() throws {
            try HookCommand.runHook(options: options) { $0 == .hubspot }
        }
    }

    struct Webhook: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "webhook", abstract: "Post the grant, signed with INSTALL_WEBHOOK_KEY, to URL.")

        @Argument(help: "The receiver, as in INSTALL_TOKEN_HOOK=webhook:URL.")
        var url: String

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let url = url
            try HookCommand.runHook(options: options) { $0 == .webhook(url: url) }
        }
    }

    /// Exit statuses of the exec-hook protocol.
    static func exitStatus(_ kind: HookFailure.Kind) -> Int32 {
        switch kind {
        case .providerUnavailable: 75
        case .codeRejected: 76
        case .timedOut: 124
        case .failed: 1
        }
    }

    /// Only the hook the configuration names runs, so the arguments can never point the secret or
    /// the key at a URL the operator did not configure.
    static func runHook(options: ConfigOptions, isConfigured: (TokenHookSetting) -> Bool) throws {
        let configuration: Configuration
        do {
            configuration = try options.load()
        } catch {
            fail(
                .failed,
                "configuration: " + error.problems.filter { !$0.isWarning }.map(\.description).joined(separator: "; "))
        }
        guard isConfigured(configuration.tokenHook) else {
            fail(.failed, "\(Setting.tokenHook) names another hook than this command")
        }
        let grant: AuthorizationGrant
        let input = readStandardInput(limit: GrantInput.byteLimit + 1)
        do {
            grant = try GrantInput.grant(from: input)
        } catch {
            fail(.failed, error.detail)
        }
        let hook: any TokenHook
        do {
            hook = try BuiltInHook.make(configuration: configuration)
        } catch {
            fail(.failed, "configuration: " + error.problems.map(\.description).joined(separator: "; "))
        }
        let outcome: HookOutcome
        do {
            if let exchange = hook as? HubSpotExchangeHook {
                // The same install delivered twice (two responders) exchanges once.
                outcome = try exchange.exchange(grant, installID: GrantInput.installID(from: input))
            } else {
                outcome = try hook.exchange(grant)
            }
        } catch {
            fail(error.kind, error.detail)
        }
        var answer = JSONWriter()
        answer.beginObject()
        if let account = outcome.account { answer.field("account", account) }
        answer.field("ungranted_optional_scopes", outcome.ungrantedOptionalScopes)
        answer.endObject()
        print(answer.text)
    }

    static func fail(_ kind: HookFailure.Kind, _ detail: String) -> Never {
        TokensCommand.printError(detail.isEmpty ? kind.reason.rawValue : detail)
        Foundation.exit(exitStatus(kind))
    }

    /// At most `limit` bytes of stdin (the caller refuses more), read without Foundation's
    /// unbounded helpers.
    static func readStandardInput(limit: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes += chunk[..<count]
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        return bytes
    }
}
