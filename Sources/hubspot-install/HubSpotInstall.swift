import FastCGI
internal import Glibc
import ResponderCommandLine

@main
enum HubSpotInstall {
    /// CGI mode is decided before any argument is looked at: a CGI program's arguments can come
    /// from the visitor (see CGIProgram). Otherwise the command line is read (ResponderCommand) and
    /// run; a usage error exits 64, any other failure 1.
    static func main() {
        let environment = Parameters.processEnvironment()
        if CGIResponder.isCGIInvocation(environment: environment) {
            Glibc.exit(CGIProgram.run(environment: environment))
        }
        do {
            switch try ResponderCommand.parse(Array(CommandLine.arguments.dropFirst())) {
            case .help(let subcommand): print(HelpText.help(for: subcommand), terminator: "")
            case .serve(let options): try Serve(options: options).run(environment: environment)
            case .check(let config): try Check.run(environment: environment, file: config)
            case .keygen: Keygen.run()
            case .tokens(let arguments): try TokensCommand.run(arguments: arguments)
            }
        } catch let error as UsageError {
            StandardError.write(line: HelpText.error(error))
            exit(UsageError.exitStatus)
        } catch let failure as ExitStatus {
            StandardError.flush()
            exit(failure.code)
        } catch {
            StandardError.write(line: "Error: \(error)")
            exit(ExitStatus.failure.code)
        }
        StandardError.flush()
    }
}
