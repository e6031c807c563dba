import ArgumentParser
import Foundation
import InstallFlow
import TokenService

/// `hubspot-install-tokens` (also run as `hubspot-install tokens`): the accounts the built-in
/// `hubspot` hook connected, and their tokens for the app's backend for as long as the app stays
/// installed; and the `hubspot` and `webhook:` hooks themselves, which the responder runs.
@main
struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hubspot-install-tokens",
        abstract: "Show the accounts the built-in hubspot hook connected; hand out, refresh, revoke their tokens.",
        discussion: """
            The only program that reads the client secret, the webhook key, the token database \
            (INSTALL_TOKEN_DB) and the keys that seal its tokens (INSTALL_TOKEN_KEYS). \
            `hubspot-install tokens ...` runs it; `hook` and `check-hook` are run \
            by hubspot-install itself. To talk to HubSpot the commands read HUBSPOT_CLIENT_ID, \
            HUBSPOT_CLIENT_SECRET and the origin of HUBSPOT_TOKEN_URL. Exit status: 0 done, 1 failed \
            (configuration, store, HubSpot refused), 2 no such account stored, 3 the account is revoked \
            (the customer uninstalled the app or revoked it), 75 HubSpot unavailable, the token store \
            unavailable, or busy: try again, 64 usage.
            """,
        subcommands: [
            List.self, AccessToken.self, Refresh.self, Revoke.self, Uninstall.self, RefreshToken.self, Rekey.self,
            HookCommand.self, CheckHook.self,
        ]
    )

    struct Options: ParsableArguments {
        @OptionGroup var settings: ConfigOptions

        @Option(
            help: ArgumentHelp(
                "The token database, a SQLite path or a postgresql:// URL, instead of INSTALL_TOKEN_DB.",
                valueName: "path-or-url"))
        var db: String?

        /// The configuration, or exit 1 with every problem on stderr.
        func loadConfiguration() throws -> Configuration {
            do {
                return try settings.load()
            } catch {
                for problem in error.problems where !problem.isWarning {
                    TokensCommand.printError("error: \(problem.description)")
                }
                throw ExitCode.failure
            }
        }

        /// The store, its tokens opened (and sealed when written) with INSTALL_TOKEN_KEYS; or exit 1
        /// with the configuration's problems (or the store's) on stderr.
        func openStore(_ configuration: Configuration? = nil) throws -> SealedTokenStore {
            let configuration = try configuration ?? loadConfiguration()
            return SealedTokenStore(wrapping: try openStoredText(configuration), configuration: configuration)
        }

        /// The store as stored, tokens sealed or not: for `list`, which shows no token, so it lists
        /// every row even without the keys.
        func openStoredText(_ configuration: Configuration? = nil) throws -> any TokenStore {
            let path = try db ?? (configuration ?? loadConfiguration()).tokenDatabase
            do {
                return try TokenStoreLocation.open(path, create: false)
            } catch {
                throw TokensCommand.failed(LifecycleFailure(store: error))
            }
        }

        /// What talks to HubSpot for the lifecycle commands.
        func lifecycle() throws -> TokenLifecycle {
            let configuration = try loadConfiguration()
            let store = try openStore(configuration)
            guard let secret = configuration.clientSecret else {
                TokensCommand.printError("error: misconfigured: \(Setting.clientSecret) is required to talk to HubSpot")
                throw ExitCode.failure
            }
            return try TokensCommand.attempt {
                () throws(LifecycleFailure) in
                try TokenLifecycle(
                    clientID: configuration.clientID, clientSecret: secret, tokenURL: configuration.tokenURL,
                    timeout: configuration.hookTimeout, store: store)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List connected accounts: hub id, status, domain, user, app id, hublet, expiry, scopes.",
            discussion: "No token is printed."
        )

        @Flag(help: "A JSON array of objects with the store's column names, instead of a table.")
        var json = false

        @OptionGroup var options: Options

        func run() throws {
            let store = try options.openStoredText()
            do {
                let installs = try store.installs()
                print(json ? TokenListing.json(installs) : TokenListing.render(installs))
            } catch {
                throw TokensCommand.failed(LifecycleFailure(store: error))
            }
        }
    }

    struct AccessToken: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "access-token",
            abstract: "Print a valid access token of one account alone on stdout, refreshing it first if needed.",
            discussion: """
                Refreshes when the token expires within 5 minutes; many concurrent calls for one account make \
                one refresh. Exit status 3 if HubSpot refused the refresh token (the account is then marked \
                revoked); see `tokens --help` for the others.
                """
        )

        @Argument(help: ArgumentHelp("The account's hub id, as `tokens list` shows it.", valueName: "hub-id"))
        var hubID: Int64

        @OptionGroup var options: Options

        func run() throws {
            let lifecycle = try options.lifecycle()
            let install = try TokensCommand.attempt { () throws(LifecycleFailure) in
                try lifecycle.usableInstall(hubID: hubID)
            }
            print(install.accessToken.value)
        }
    }

    struct Refresh: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refresh one account's access token now, whatever its expiry.",
            discussion: "Prints when the new token expires; never a token. Exit status as for access-token."
        )

        @Argument(help: ArgumentHelp("The account's hub id, as `tokens list` shows it.", valueName: "hub-id"))
        var hubID: Int64

        @OptionGroup var options: Options

        func run() throws {
            let lifecycle = try options.lifecycle()
            let install = try TokensCommand.attempt { () throws(LifecycleFailure) in
                try lifecycle.usableInstall(hubID: hubID, force: true)
            }
            let expiry = install.expiresAt.map(TokenListing.timestamp) ?? "an unknown time"
            print("refreshed hub \(hubID): the access token expires at \(expiry)")
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke one account's refresh token at HubSpot and delete the account's row.",
            discussion: """
                If HubSpot cannot be reached or refuses, nothing is deleted and the exit status is non-zero \
                (75: try again).
                """
        )

        @Argument(help: ArgumentHelp("The account's hub id, as `tokens list` shows it.", valueName: "hub-id"))
        var hubID: Int64

        @OptionGroup var options: Options

        func run() throws {
            let lifecycle = try options.lifecycle()
            try TokensCommand.attempt { () throws(LifecycleFailure) in try lifecycle.revoke(hubID: hubID) }
            print("revoked hub \(hubID)'s refresh token at HubSpot and deleted its row")
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Uninstall the app from one account at HubSpot and delete the account's row.",
            discussion: """
                HubSpot emails the account's admins. If HubSpot cannot be reached or refuses, nothing is \
                deleted and the exit status is non-zero (75: try again).
                """
        )

        @Argument(help: ArgumentHelp("The account's hub id, as `tokens list` shows it.", valueName: "hub-id"))
        var hubID: Int64

        @OptionGroup var options: Options

        func run() throws {
            let lifecycle = try options.lifecycle()
            let result = try TokensCommand.attempt { () throws(LifecycleFailure) in
                try lifecycle.uninstall(hubID: hubID)
            }
            switch result {
            case .uninstalled:
                print("uninstalled the app from hub \(hubID) at HubSpot and deleted its row")
            case .alreadyGone:
                print(
                    "HubSpot had already refused hub \(hubID)'s refresh token (the app was uninstalled or revoked "
                        + "there); deleted its row")
            }
        }
    }

    struct RefreshToken: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refresh-token",
            abstract: "Print one account's refresh token alone on stdout, for scripts.",
            discussion: "Exit status 2, with nothing on stdout, if the account is not stored."
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
                throw TokensCommand.failed(LifecycleFailure(store: error))
            }
            guard let install else {
                let failure = LifecycleFailure(.notStored, detail: "no account with hub id \(hubID) is stored")
                TokensCommand.printError(failure.line)
                throw ExitCode(failure.exitCode)
            }
            print(install.refreshToken.value)
        }
    }

    struct Rekey: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reseal every stored token with the first key of INSTALL_TOKEN_KEYS.",
            discussion: """
                Rows whose tokens are in clear or sealed with another key (active and revoked alike) are opened \
                and sealed again with the first key, each row in one atomic step: a row that a refresh writes \
                meanwhile keeps the refresh's tokens and is resealed after it. Prints how many rows were \
                resealed; never a token. A row that does not open (no configured key for it, changed, moved) \
                is named on stderr and left as it was, and the others are still resealed. Exit status 0 done: \
                every row opens with the first key alone; 1 failed (INSTALL_TOKEN_KEYS not set, a row that \
                does not open, the store); rows resealed before a failure stay resealed, and running it again \
                finishes the rest.
                """
        )

        @OptionGroup var options: Options

        func run() throws {
            let configuration = try options.loadConfiguration()
            let store = try options.openStore(configuration)
            guard let first = store.keys.first else {
                TokensCommand.printError(
                    "error: misconfigured: \(Setting.tokenKeys) is not set: there is no key to seal with")
                throw ExitCode.failure
            }
            let result: SealedTokenStore.RekeyResult
            do {
                result = try store.rekey()
            } catch {
                throw TokensCommand.failed(LifecycleFailure(store: error))
            }
            for failure in result.failures {
                TokensCommand.printError("error: store_failed: \(failure)")
            }
            print(
                "resealed \(result.resealed) row(s) with key id \(first.id); \(result.alreadySealed) already sealed "
                    + "with it" + (result.failures.isEmpty ? "" : "; \(result.failures.count) left as they were"))
            if !result.failures.isEmpty { throw ExitCode.failure }
        }
    }

    /// Runs a lifecycle step; a failure becomes its one stderr line and its exit status.
    static func attempt<T>(_ body: () throws(LifecycleFailure) -> T) throws -> T {
        do {
            return try body()
        } catch {
            printError(error.line)
            throw ExitCode(error.exitCode)
        }
    }

    /// Prints the failure's line and gives its exit status to throw.
    static func failed(_ failure: LifecycleFailure) -> ExitCode {
        printError(failure.line)
        return ExitCode(failure.exitCode)
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
