import ArgumentParser
import InstallFlow
import TokenService

/// `hubspot-install-tokens check-hook`: what `hubspot-install check` and `serve` ask about the
/// settings only this program reads. Prints each problem as `KEY<TAB>message` on stdout (never a
/// value) and exits 1, or prints nothing and exits 0.
struct CheckHook: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-hook",
        abstract: "Check the client secret or webhook key and the token database (hubspot-install runs this).",
        discussion: "Changes nothing unless --create-store is given."
    )

    @Flag(help: "Create the token database if it does not exist, as a start of `hubspot-install serve` does.")
    var createStore = false

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let problems: [ConfigurationProblem]
        do throws(ConfigurationError) {
            let configuration = try options.load()
            if case .exec = configuration.tokenHook { return }
            if createStore {
                _ = try BuiltInHook.make(configuration: configuration)
                problems = []
            } else {
                problems = BuiltInHook.problems(configuration: configuration)
            }
        } catch {
            problems = error.problems
        }
        let errors = problems.filter { !$0.isWarning }
        guard !errors.isEmpty else { return }
        for problem in errors {
            print("\(problem.key)\t\(problem.message.replacing("\n", with: " ").replacing("\t", with: " "))")
        }
        throw ExitCode.failure
    }
}
