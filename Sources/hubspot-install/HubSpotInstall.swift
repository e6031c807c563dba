import ArgumentParser
import FastCGI

@main
struct HubSpotInstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hubspot-install",
        abstract: "The install endpoint of a HubSpot app: a FastCGI (or CGI) responder.",
        discussion: """
            Configured by environment variables (HUBSPOT_*, INSTALL_*) or --config FILE (or \
            HUBSPOT_INSTALL_CONFIG=FILE, for a CGI program); see README. \
            Run without a subcommand it serves: as a CGI program when a web server starts it so, \
            otherwise as a FastCGI responder on the socket it inherited.
            """,
        subcommands: [Serve.self, Check.self, Keygen.self, TokensCommand.self],
        defaultSubcommand: Serve.self
    )

    static func main() {
        main(CGIArguments.withoutSearchWords(Array(CommandLine.arguments.dropFirst())))
    }
}
