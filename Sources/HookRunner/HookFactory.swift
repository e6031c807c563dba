internal import Glibc
package import InstallFlow

/// Builds the hook that `INSTALL_TOKEN_HOOK` names, for `serve` (and `check`).
///
/// Every hook is a program: the operator's for `exec:`, and `hubspot-install-tokens` beside this
/// executable for `hubspot` and `webhook:`. So the process that reads requests never opens the
/// client secret, the webhook key or the token database; the token program does, once per grant.
package enum HookFactory {
    /// The name of the token program, looked for in the directory of the running executable.
    package static let tokensProgramName = "hubspot-install-tokens"

    /// Variables, besides the settings, that the token program may need: where to find the
    /// default state directory, and how to reach HubSpot (proxy, CA certificates). `HTTP_PROXY`
    /// is left out on purpose: in CGI mode it could be the request's `Proxy:` header.
    static let tokensProgramVariables = [
        "PATH", "LANG", "XDG_RUNTIME_DIR", "https_proxy", "HTTPS_PROXY", "http_proxy", "no_proxy", "NO_PROXY",
        "all_proxy", "ALL_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR",
    ]

    /// Seconds the token program gets beyond the hook timeout, which it keeps itself: its own
    /// deadline then decides (and reports "HubSpot did not answer"); the kill is only a backstop.
    static let tokensProgramGrace: Double = 2

    /// The configured hook, ready to call.
    /// - Parameters:
    ///   - environment: the responder's settings environment (without a CGI request's variables).
    ///   - configFile: the `--config` file in effect, if any, passed on to the token program.
    ///   - tokensProgram: the token program's path; by default the one beside this executable.
    package static func make(
        configuration: Configuration, environment: [String: String], configFile: String?,
        tokensProgram: String? = nil
    ) throws(ConfigurationError) -> any TokenHook {
        let arguments: [String]
        switch configuration.tokenHook {
        case .exec(let path):
            return ExecHook(
                path: path, timeout: configuration.hookTimeout,
                passedEnvironmentNames: configuration.hookEnvironment, environment: configuration.environment)
        case .webhook(let url): arguments = ["hook", "webhook", url]
        case .hubspot: arguments = ["hook", "hubspot"]
        }
        let program = try locateTokensProgram(tokensProgram)
        return ExecHook(
            path: program, arguments: arguments, timeout: configuration.hookTimeout + tokensProgramGrace,
            childEnvironment: tokensProgramEnvironment(environment: environment, configFile: configFile))
    }

    /// What the token program says about the settings only it reads (the secret or key and, for
    /// `hubspot`, the token database), as problems of this configuration. Nothing for `exec:`.
    /// - Parameter preparing: also create the token database, as a start of `serve` does; without
    ///   it nothing is changed (for `check`).
    package static func problems(
        configuration: Configuration, environment: [String: String], configFile: String?, preparing: Bool,
        tokensProgram: String? = nil
    ) -> [ConfigurationProblem] {
        if case .exec = configuration.tokenHook { return [] }
        let program: String
        do {
            program = try locateTokensProgram(tokensProgram)
        } catch {
            return error.problems
        }
        let run: ChildProcess.Result
        do {
            run = try ChildProcess.run(
                path: program, arguments: ["check-hook"] + (preparing ? ["--create-store"] : []),
                environment: tokensProgramEnvironment(environment: environment, configFile: configFile), input: [],
                timeout: .seconds(60))
        } catch {
            return [ConfigurationProblem(.tokenHook, message: "could not run \(program): \(error)")]
        }
        switch run.termination {
        case .exited(0): return []
        case .exited(1):
            // One problem per line, "KEY<TAB>message"; the token program never prints a value.
            let lines = String(decoding: run.stdout.bytes, as: UTF8.self).split(separator: "\n")
            let problems = lines.compactMap { line -> ConfigurationProblem? in
                let parts = line.split(separator: "\t", maxSplits: 1)
                guard parts.count == 2 else { return nil }
                return ConfigurationProblem(key: String(parts[0]), message: String(parts[1]))
            }
            if !problems.isEmpty { return problems }
        default: break
        }
        return [
            ConfigurationProblem(.tokenHook, message: "\(program) check-hook failed: \(describe(run.termination))")
        ]
    }

    private static func describe(_ termination: ChildProcess.Termination) -> String {
        switch termination {
        case .exited(let status): "exit status \(status)"
        case .killed(let signal): "killed by signal \(signal)"
        case .timedOut: "no answer within 60 s"
        }
    }

    /// The token program's environment: the settings named in the process environment, the
    /// configuration file by absolute path, and `tokensProgramVariables`; nothing of a request.
    static func tokensProgramEnvironment(environment: [String: String], configFile: String?) -> [String] {
        var entries: [String] = []
        for name in environment.keys.sorted() where Setting.isInNamespace(name) && name != Setting.configFile.rawValue {
            if let value = environment[name] { entries.append("\(name)=\(value)") }
        }
        for name in tokensProgramVariables {
            if let value = environment[name] { entries.append("\(name)=\(value)") }
        }
        let named = configFile ?? Setting.configFile.nonEmptyValue(in: environment)
        if let named {
            let absolute = named.hasPrefix("/") ? named : FileSystem.currentDirectory() + "/" + named
            entries.append("\(Setting.configFile)=\(absolute)")
        }
        return entries
    }

    /// `hubspot-install-tokens` in the directory of the running executable (`/proc/self/exe`, so a
    /// symlink to the responder still finds its sibling).
    package static func locateTokensProgram(_ given: String? = nil) throws(ConfigurationError) -> String {
        let path = given ?? siblingPath(tokensProgramName)
        guard let path, FileSystem.isExecutableFile(path) else {
            throw ConfigurationError(problems: [
                ConfigurationProblem(
                    .tokenHook,
                    message: "hubspot and webhook: need \(tokensProgramName) installed beside hubspot-install"
                        + (path.map { " (looked for \($0))" } ?? ""))
            ])
        }
        return path
    }

    /// `name` in the directory of the running executable, or nil if that cannot be found.
    package static func siblingPath(_ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0, count < buffer.count else { return nil }
        let executable = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = executable.lastIndex(of: "/") else { return nil }
        return String(executable[...slash]) + name
    }
}
