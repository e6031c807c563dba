import ArgumentParser
import Foundation
import InstallFlow

/// `--config FILE`, or `HUBSPOT_INSTALL_CONFIG` as hubspot-install passes it: the same settings
/// the responder reads, here with the client secret and the webhook key.
struct ConfigOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read settings from this KEY=value file; the environment wins.", valueName: "file"))
    var config: String?

    func load() throws(ConfigurationError) -> Configuration {
        let environment = ProcessInfo.processInfo.environment
        let named = Setting.configFile.nonEmptyValue(in: environment)
        return try Configuration.load(environment: environment, configFile: config ?? named, readingSecrets: true)
    }
}
