import ArgumentParser
import FastCGI
import InstallFlow
import HookRunner
import TokenService

/// What `serve` and `check` share: reading the configuration, building the hook and the flow, and
/// the access log.
enum Startup {
    /// Names the `--config` file where no option can be given: a CGI program started by mod_cgi
    /// gets no arguments of its own (Apache's `SetEnv` sets this instead).
    static let configFileVariable = "HUBSPOT_INSTALL_CONFIG"

    /// The configuration, its warnings printed; on any problem every one is printed and the
    /// command exits 1. `--config` wins over `HUBSPOT_INSTALL_CONFIG`.
    static func configuration(environment: [String: String], file: String?, printWarnings: Bool) throws -> Configuration
    {
        let named = environment[configFileVariable].flatMap { $0.isEmpty ? nil : $0 }
        do {
            let configuration = try Configuration.load(environment: environment, configFile: file ?? named)
            if printWarnings {
                for warning in configuration.warnings { StandardError.write(line: warning.description) }
            }
            return configuration
        } catch {
            report(error)
            throw ExitCode.failure
        }
    }

    static func responder(_ configuration: Configuration) throws -> InstallResponder {
        do {
            return try InstallResponder(configuration: configuration, hook: hook(configuration))
        } catch {
            report(error)
            throw ExitCode.failure
        }
    }

    static func hook(_ configuration: Configuration) throws(ConfigurationError) -> any TokenHook {
        try HookFactory.make(configuration: configuration)
    }

    /// Every problem on its own line (warnings print their own prefix).
    static func report(_ error: ConfigurationError) {
        for problem in error.problems {
            StandardError.write(line: problem.isWarning ? problem.description : "error: " + problem.description)
        }
    }

    /// One JSON line per request on stderr, written in one call.
    @Sendable static func logRequest(_ response: Response, durationMicroseconds: Int64) {
        StandardError.queue(
            lineBytes: AccessLog.lineBytes(
                response, durationMicroseconds: durationMicroseconds, unixTime: WallClock.now()))
    }
}
