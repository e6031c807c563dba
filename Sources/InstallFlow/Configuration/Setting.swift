/// Every configuration key of hubspot-install and hubspot-install-tokens (docs/configuration.md),
/// as one closed list: a lookup, a problem, a message or a rule that names a key names a case, so
/// a key cannot be misspelt in one place, and a test holds the documentation's table to the cases.
///
/// The `_FILE` variants of the four secrets are cases of their own, not derived by appending
/// `_FILE`: each is a variable an operator sets and a problem names on its own
/// (`INSTALL_STATE_KEYS_FILE: must be an absolute path`), and the unknown-key warning must know
/// it. `InlineOrFile` pairs a secret's two cases. The documentation lists the two in one row
/// (`` `KEY` / `KEY_FILE` ``), and the test reads every backticked name of that first column.
///
/// In messages a case prints as its key (`"\(Setting.tokenHook)=hubspot"`), through `description`.
package enum Setting: String, CaseIterable, Sendable, CustomStringConvertible {
    case clientID = "HUBSPOT_CLIENT_ID"
    case redirectURI = "HUBSPOT_REDIRECT_URI"
    case scopes = "HUBSPOT_SCOPES"
    case optionalScopes = "HUBSPOT_OPTIONAL_SCOPES"
    case authorizeURL = "HUBSPOT_AUTHORIZE_URL"
    case tokenURL = "HUBSPOT_TOKEN_URL"
    case pkce = "HUBSPOT_PKCE"
    case marketplace = "INSTALL_MARKETPLACE"
    case returnHosts = "INSTALL_RETURN_HOSTS"
    case clientSecret = "HUBSPOT_CLIENT_SECRET"
    case clientSecretFile = "HUBSPOT_CLIENT_SECRET_FILE"
    case stateKeys = "INSTALL_STATE_KEYS"
    case stateKeysFile = "INSTALL_STATE_KEYS_FILE"
    case stateTTL = "INSTALL_STATE_TTL"
    case stateDirectory = "INSTALL_STATE_DIR"
    case tokenHook = "INSTALL_TOKEN_HOOK"
    case tokenHookTimeout = "INSTALL_TOKEN_HOOK_TIMEOUT"
    case hookConcurrency = "INSTALL_HOOK_CONCURRENCY"
    case tokenHookEnvironment = "INSTALL_TOKEN_HOOK_ENV"
    case appName = "INSTALL_APP_NAME"
    case publicDirectory = "INSTALL_PUBLIC_DIR"
    case successURL = "INSTALL_SUCCESS_URL"
    /// The `--config` file, where no option can be given (a CGI program reads no arguments).
    case configFile = "HUBSPOT_INSTALL_CONFIG"
    case webhookKey = "INSTALL_WEBHOOK_KEY"
    case webhookKeyFile = "INSTALL_WEBHOOK_KEY_FILE"
    case tokenDatabase = "INSTALL_TOKEN_DB"
    case tokenKeys = "INSTALL_TOKEN_KEYS"
    case tokenKeysFile = "INSTALL_TOKEN_KEYS_FILE"
    case tokensInClear = "INSTALL_TOKENS_IN_CLEAR"

    /// The key as the operator writes it.
    package var description: String { rawValue }

    /// Whether `name` is in the settings' namespace (`HUBSPOT_*`, `INSTALL_*`), known or not: such
    /// a name that is no case is warned about as a likely typo, and every such name is passed on
    /// to the token program, which reads the same settings.
    package static func isInNamespace(_ name: String) -> Bool {
        name.hasPrefix("HUBSPOT_") || name.hasPrefix("INSTALL_")
    }

    /// The value of this setting in `environment` when it is set and not empty, untrimmed (for
    /// the `--config` file variable, which names a path as it is).
    package func nonEmptyValue(in environment: [String: String]) -> String? {
        environment[rawValue].flatMap { $0.isEmpty ? nil : $0 }
    }
}

extension Setting {
    /// A secret given either inline (`KEY`) or in a file named by `KEY_FILE`, never both: the pair
    /// of cases, so that a rule about the two cannot be handed a key that has no file variant.
    package enum InlineOrFile: CaseIterable, Sendable {
        case clientSecret, stateKeys, webhookKey, tokenKeys

        /// `KEY`: the secret itself.
        package var inline: Setting {
            switch self {
            case .clientSecret: .clientSecret
            case .stateKeys: .stateKeys
            case .webhookKey: .webhookKey
            case .tokenKeys: .tokenKeys
            }
        }

        /// `KEY_FILE`: the absolute path of a file holding it.
        package var file: Setting {
            switch self {
            case .clientSecret: .clientSecretFile
            case .stateKeys: .stateKeysFile
            case .webhookKey: .webhookKeyFile
            case .tokenKeys: .tokenKeysFile
            }
        }
    }
}

extension ConfigurationProblem {
    /// A problem of one setting.
    package init(_ setting: Setting, message: String, isWarning: Bool = false) {
        self.init(key: setting.rawValue, message: message, isWarning: isWarning)
    }
}
