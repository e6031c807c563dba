package import InstallFlow

/// Builds the built-in hooks (`hubspot`, `webhook:`) in `hubspot-install-tokens`, the only program
/// that reads the client secret, the webhook key and the token database.
package enum BuiltInHook {
    /// The configured built-in hook, ready to call. The `hubspot` hook opens (creating if needed)
    /// its token store here, so a store that cannot be used is reported before any install.
    package static func make(configuration: Configuration) throws(ConfigurationError) -> any TokenHook {
        switch configuration.tokenHook {
        case .exec:
            throw problem(.tokenHook, "exec: hooks are run by hubspot-install, not by hubspot-install-tokens")
        case .webhook(let url):
            guard let key = configuration.webhookKey else {
                throw problem(.webhookKey, "is required with webhook:")
            }
            return WebhookHook(url: url, key: key, timeout: configuration.hookTimeout)
        case .hubspot:
            guard let secret = configuration.clientSecret else {
                throw problem(.clientSecret, "is required with \(Setting.tokenHook)=hubspot")
            }
            let store: any TokenStore
            do {
                store = try TokenStoreLocation.open(configuration.tokenDatabase)
            } catch {
                throw problem(.tokenDatabase, error.detail)
            }
            let sealed = SealedTokenStore(wrapping: store, configuration: configuration)
            return HubSpotExchangeHook(
                tokenURL: configuration.tokenURL, clientSecret: secret, timeout: configuration.hookTimeout,
                store: sealed
            )
        }
    }

    /// What `make` would object to, found without creating anything (for `check`, which changes
    /// nothing).
    package static func problems(configuration: Configuration) -> [ConfigurationProblem] {
        guard configuration.tokenHook == .hubspot else { return [] }
        guard let problem = TokenStoreLocation.problem(at: configuration.tokenDatabase) else { return [] }
        return [ConfigurationProblem(.tokenDatabase, message: problem)]
    }

    private static func problem(_ key: Setting, _ message: String) -> ConfigurationError {
        ConfigurationError(problems: [ConfigurationProblem(key, message: message)])
    }
}
