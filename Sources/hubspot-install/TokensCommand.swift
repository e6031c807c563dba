import ArgumentParser
import Glibc
import FastCGI
import HookRunner
import InstallFlow

/// `hubspot-install tokens ...` runs `hubspot-install-tokens ...` from the same directory, so users
/// keep one command while the responder itself links no token code (no HTTP client, no SQLite).
struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Run hubspot-install-tokens (the accounts and tokens the built-in hubspot hook stored).",
        discussion: "Everything after `tokens` is passed on; `hubspot-install tokens --help` lists its commands."
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments for hubspot-install-tokens.")
    var arguments: [String] = []

    func run() throws {
        let program: String
        do {
            program = try HookFactory.locateTokensProgram()
        } catch {
            for problem in error.problems { StandardError.write(line: "error: \(problem.message)") }
            throw ExitCode.failure
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        execv(program, argv)
        StandardError.write(line: "error: cannot run \(program): \(String(cString: strerror(errno)))")
        throw ExitCode.failure
    }
}
