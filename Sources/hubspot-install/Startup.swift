import FastCGI
import HookRunner
import InstallFlow

/// What `serve` and `check` share: reading the configuration, building the hook and the flow, and
/// the access log.
enum Startup {
    /// The configuration, its warnings printed; on any problem every one is printed and the
    /// command exits 1. `--config` wins over `HUBSPOT_INSTALL_CONFIG`.
    static func configuration(environment: [String: String], file: String?, printWarnings: Bool) throws -> Configuration
    {
        do {
            let configuration = try load(environment: environment, file: file)
            if printWarnings {
                for warning in configuration.warnings { StandardError.write(line: warning.description) }
            }
            return configuration
        } catch {
            report(error)
            throw ExitStatus.failure
        }
    }

    /// The one way the responder reads its configuration (at start, on a reload, per CGI request):
    /// the client secret, the webhook key and the token keys are only checked to be named; the
    /// token program reads them, never the responder. `--config` wins over `HUBSPOT_INSTALL_CONFIG`.
    static func load(environment: [String: String], file: String?) throws(ConfigurationError) -> Configuration {
        try Configuration.load(
            environment: environment, configFile: file ?? Setting.configFile.nonEmptyValue(in: environment),
            readingSecrets: false)
    }

    /// `threads`: requests answered at once, which sets how many hooks may run at once.
    static func responder(_ configuration: Configuration, threads: Int) throws -> InstallResponder {
        if let warning = configuration.hookSlotsWarning(threads: threads) {
            StandardError.write(line: warning.description)
        }
        do {
            return try InstallResponder(configuration: configuration, hook: hook(configuration), threads: threads)
        } catch {
            report(error)
            throw ExitStatus.failure
        }
    }

    /// The hook; a FastCGI start also has the token program check (and create) what only it reads,
    /// so a responder whose installs would all fail refuses to start. A CGI request skips that: it
    /// would cost a second program per page.
    static func hook(_ configuration: Configuration) throws(ConfigurationError) -> any TokenHook {
        let hook = try HookFactory.make(
            configuration: configuration, environment: configuration.environment, configFile: nil)
        if !CGIResponder.isCGIInvocation(environment: Parameters.processEnvironment()) {
            let problems = HookFactory.problems(
                configuration: configuration, environment: configuration.environment, configFile: nil, preparing: true)
            if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        }
        return hook
    }

    /// Every problem on its own line (warnings print their own prefix).
    static func report(_ error: ConfigurationError) {
        for problem in error.problems {
            StandardError.write(line: problem.isWarning ? problem.description : "error: " + problem.description)
        }
    }

    /// One JSON line per request on stderr, queued and written with others in one call.
    @Sendable static func logRequest(_ response: Response, durationMicroseconds: Int64) {
        let now = WallClock.now()
        StandardError.queue { queued in
            AccessLog.append(response, durationMicroseconds: durationMicroseconds, unixTime: now, to: &queued)
        }
    }
}
