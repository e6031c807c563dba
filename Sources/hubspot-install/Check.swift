import FastCGI
import HookRunner
import InstallFlow

/// `check`: the configuration, the hook and the page templates looked at as `serve` would, nothing
/// changed; every problem on stderr and exit 1, or the summary on stdout.
enum Check {
    static func run(environment: [String: String], file: String?) throws {
        let configuration = try Startup.configuration(environment: environment, file: file, printWarnings: true)
        do throws(ConfigurationError) {
            // Only looks: the token program checks the secret or key and the database, creating nothing.
            _ = try HookFactory.make(
                configuration: configuration, environment: configuration.environment, configFile: nil)
            var problems = HookFactory.problems(
                configuration: configuration, environment: configuration.environment, configFile: nil, preparing: false)
            // What serve would refuse about an existing state directory (a missing one it creates).
            let stateDirectory = configuration.stateDirectory
            if FileSystem.isDirectory(stateDirectory), let problem = FileSystem.ownershipProblem(stateDirectory) {
                problems.append(ConfigurationProblem(.stateDirectory, message: problem))
            }
            if !problems.isEmpty { throw ConfigurationError(problems: problems) }
            _ = try Pages.load(configuration: configuration)
        } catch {
            Startup.report(error)
            throw ExitStatus.failure
        }
        print(configuration.summary())
    }
}
