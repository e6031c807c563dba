import ArgumentParser
import Foundation
import InstallFlow
import TokenService

/// `hubspot-install-tokens` (also run as `hubspot-install tokens`): what the built-in `hubspot`
/// hook stored, and the `hubspot` and `webhook:` hooks themselves, which the responder runs.
@main
struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hubspot-install-tokens",
        abstract: "Show the accounts the built-in hubspot hook connected, and their tokens for scripts.",
        discussion: """
            The only program that reads the client secret, the webhook key and the token database \
            (INSTALL_TOKEN_DB). `hubspot-install tokens ...` runs it; `hook` and `check-hook` are run \
            by hubspot-install itself.
            """,
        subcommands: [List.self, RefreshToken.self, HookCommand.self, CheckHook.self]
    )

    struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("Read settings from this KEY=value file; the environment wins.", valueName: "file"))
        var config: String?

        @Option(
            help: ArgumentHelp(
                "The token database, instead of the configuration's INSTALL_TOKEN_DB.", valueName: "path"))
        var db: String?

        /// The store, or exit 1 with every configuration problem (or the store's) on stderr.
        func openStore() throws -> TokenStore {
            let path: String
            if let db {
                path = db
            } else {
                do {
                    path = try Configuration.load(environment: ProcessInfo.processInfo.environment, configFile: config)
                        .tokenDatabase
                } catch {
                    for problem in error.problems where !problem.isWarning {
                        TokensCommand.printError("error: \(problem.description)")
                    }
                    throw ExitCode.failure
                }
            }
            do {
                return try TokenStore(path: path, create: false)
            } catch {
                TokensCommand.printError("error: \(error.detail)")
                throw ExitCode.failure
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List connected accounts: hub id, domain, token expiry, install time, granted scopes.",
            discussion: "No token is printed."
        )

        @OptionGroup var options: Options

        func run() throws {
            let store = try options.openStore()
            do {
                print(TokenListing.render(try store.installs()))
            } catch {
                TokensCommand.printError("error: \(error.detail)")
                throw ExitCode.failure
            }
        }
    }

    struct RefreshToken: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refresh-token",
            abstract: "Print one account's refresh token alone on stdout, for scripts.",
            discussion: "Exit status 1, with nothing on stdout, if the account is not stored."
        )

        @Argument(help: ArgumentHelp("The account's hub id, as `tokens list` shows it.", valueName: "hub-id"))
        var hubID: Int64

        @OptionGroup var options: Options

        func run() throws {
            let store = try options.openStore()
            let install: StoredInstall?
            do {
                install = try store.install(hubID: hubID)
            } catch {
                TokensCommand.printError("error: \(error.detail)")
                throw ExitCode.failure
            }
            guard let install else {
                TokensCommand.printError("error: no account with hub id \(hubID) is stored")
                throw ExitCode.failure
            }
            print(install.refreshToken.value)
        }
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
