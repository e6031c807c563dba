import ArgumentParser
import FastCGI
internal import Glibc

@main
struct HubSpotInstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hubspot-install",
        abstract: "The install endpoint of a HubSpot app: a FastCGI (or CGI) responder.",
        discussion: """
            Configured by environment variables (HUBSPOT_*, INSTALL_*) or --config FILE (or \
            HUBSPOT_INSTALL_CONFIG=FILE, for a CGI program); see README. \
            Run without a subcommand it serves as a FastCGI responder on the socket it inherited. \
            Started as a CGI program (GATEWAY_INTERFACE set, stdin not a listening socket) it \
            answers that one request and ignores every argument.
            """,
        subcommands: [Serve.self, Check.self, Keygen.self, TokensCommand.self],
        defaultSubcommand: Serve.self
    )

    /// CGI mode is decided before any argument is looked at: a CGI program's arguments can come
    /// from the visitor (see CGIProgram).
    static func main() {
        let environment = Parameters.processEnvironment()
        if CGIResponder.isCGIInvocation(environment: environment) {
            Glibc.exit(CGIProgram.run(environment: environment))
        }
        main(nil)
    }
}
