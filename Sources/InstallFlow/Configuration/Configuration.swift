/// Everything the responder is told by its operator (docs/configuration.md), validated once at start.
/// Built by `Configuration.load(environment:configFile:)`; the reading and the checks are in
/// Configuration+Loading.swift.
package struct Configuration: Sendable {
    package var clientID: String
    /// `HUBSPOT_REDIRECT_URI` exactly as registered with HubSpot.
    package var redirectURI: String
    /// The path of the redirect URI: our callback route.
    package var callbackPath: String
    /// The redirect URI is https: the binding cookie is `__Host-` and `Secure`.
    package var isHTTPS: Bool
    /// Required scopes, `oauth` always among them, in the operator's order.
    package var scopes: [String]
    package var optionalScopes: [String]
    package var authorizeURL: String
    package var tokenURL: String
    /// `HUBSPOT_PKCE`: whether our authorize URL carries a PKCE challenge.
    package var pkce: PKCEMode
    /// `INSTALL_MARKETPLACE`: which Marketplace install flow `/oauth/install` serves.
    package var marketplace: MarketplaceMode
    /// `INSTALL_RETURN_HOSTS`: hosts besides HubSpot's own that a Marketplace `returnUrl` may name.
    package var returnHosts: [ReturnHost]
    package var clientSecret: Secret?
    /// The first signs, all verify.
    package var stateKeys: [StateKey]
    package var stateTTL: Int64
    package var stateDirectory: String
    package var tokenHook: TokenHookSetting
    package var hookTimeout: Double
    /// `INSTALL_HOOK_CONCURRENCY`: hooks running at once in one process; nil means half the
    /// threads (see `hookSlots(threads:)`).
    package var hookConcurrency: Int?
    /// `INSTALL_WEBHOOK_KEY(_FILE)`: signs what a `webhook:` hook posts; set only with `webhook:`.
    package var webhookKey: SecretBytes?
    /// `INSTALL_TOKEN_DB`: the SQLite file of the built-in `hubspot` hook, or a PostgreSQL URL
    /// (`TokenDatabase`); it may hold a password, so it is shown only through `TokenDatabase.redacted`.
    package var tokenDatabase: String
    /// `INSTALL_TOKEN_KEYS(_FILE)`: the first seals stored tokens, all open them; empty when unset,
    /// and always empty in the responder, which never reads them.
    package var tokenKeys: [SecretBytes]
    /// `INSTALL_TOKENS_IN_CLEAR=refuse`: a stored token not sealed is an error rather than used as
    /// it is (whoever can write the database could otherwise put a token of their own there).
    package var refusesTokensInClear: Bool
    /// Names of the responder's environment variables an exec hook may see.
    package var hookEnvironment: [String]
    package var appName: String
    package var publicDirectory: String
    /// Where the user goes after success: our `/installed` page unless set.
    package var successURL: String
    /// Problems that do not stop the responder (an unknown scope, an unknown variable).
    package var warnings: [ConfigurationProblem]
    /// The environment the configuration was read from (file merged in), for hooks that pass
    /// variables through.
    package var environment: [String: String]
}

extension Configuration {
    /// A token key is a ChaCha20-Poly1305 key: exactly this long.
    package static let tokenKeyByteCount = 32
}

/// `INSTALL_TOKEN_HOOK`.
package enum TokenHookSetting: Sendable, Equatable {
    case exec(path: String)
    case webhook(url: String)
    case hubspot
}

/// A secret value read from the configuration: it never prints.
package struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    package let value: String
    package init(_ value: String) { self.value = value }
    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
    package var customMirror: Mirror { Mirror(self, children: ["value": "<redacted>"], displayStyle: .struct) }
}

/// Secret bytes read from the configuration (a signing key): they never print.
package struct SecretBytes: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    package let bytes: [UInt8]
    package init(_ bytes: [UInt8]) { self.bytes = bytes }
    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
    package var customMirror: Mirror { Mirror(self, children: ["bytes": "<redacted>"], displayStyle: .struct) }
}

/// One thing wrong (or doubtful) in the configuration, naming the key, never a secret value.
package struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    package var key: String
    package var message: String
    package var isWarning: Bool

    package init(key: String, message: String, isWarning: Bool = false) {
        self.key = key
        self.message = message
        self.isWarning = isWarning
    }

    package var description: String { "\(isWarning ? "warning: " : "")\(key): \(message)" }
}

/// Every problem found in one pass; the responder refuses to start on any of them.
package struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    package var problems: [ConfigurationProblem]

    package init(problems: [ConfigurationProblem]) { self.problems = problems }

    package var description: String { problems.map(\.description).joined(separator: "\n") }

    /// True when some problem names this key (for tests and callers that branch on one).
    package func names(_ key: String) -> Bool { problems.contains { $0.key == key && !$0.isWarning } }
}
