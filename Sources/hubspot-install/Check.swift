import ArgumentParser
import FastCGI
import InstallFlow
import HookRunner

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the configuration and the page templates; print every problem, or a summary.",
        discussion: "Changes nothing: the state directory is not created. Exit status 1 on any problem."
    )

    @Option(help: ArgumentHelp("Read settings from this KEY=value file; the environment wins.", valueName: "file"))
    var config: String?

    func run() throws {
        let configuration = try Startup.configuration(
            environment: Parameters.processEnvironment(), file: config, printWarnings: true)
        do throws(ConfigurationError) {
            // Only looks: the token program checks the secret or key and the database, creating nothing.
            _ = try HookFactory.make(configuration: configuration, environment: configuration.environment, configFile: nil)
            let problems = HookFactory.problems(
                configuration: configuration, environment: configuration.environment, configFile: nil, preparing: false)
            if !problems.isEmpty { throw ConfigurationError(problems: problems) }
            _ = try Pages.load(configuration: configuration)
        } catch {
            Startup.report(error)
            throw ExitCode.failure
        }
        print(configuration.summary())
    }
}
