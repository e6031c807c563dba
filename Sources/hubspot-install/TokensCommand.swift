import FastCGI
import Glibc
import HookRunner
import InstallFlow

/// `hubspot-install tokens ...` runs `hubspot-install-tokens ...` from the same directory, so users
/// keep one command while the responder itself links no token code (no HTTP client, no SQLite).
enum TokensCommand {
    static func run(arguments: [String]) throws {
        let program: String
        do {
            program = try HookFactory.locateTokensProgram()
        } catch {
            for problem in error.problems { StandardError.write(line: "error: \(problem.message)") }
            throw ExitStatus.failure
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        execv(program, argv)
        StandardError.write(line: "error: cannot run \(program): \(String(cString: strerror(errno)))")
        throw ExitStatus.failure
    }
}
