internal import InstallCrypto

extension Configuration {
    /// Routes of our own that the callback path must not shadow.
    static let reservedPaths: Set<String> = ["/", "/oauth/authorize", "/oauth/install", "/installed", "/healthz"]

    /// Reads the configuration from the environment and, if given, a systemd-EnvironmentFile style
    /// file (`KEY=value`, `#` comments); a variable set in the environment wins over the file.
    /// Reports every problem at once.
    ///
    /// With `readingSecrets` false (the responder), the client secret and the webhook key are only
    /// checked to be named (inline or `_FILE`, not both, the file path absolute): no file is read
    /// and no value is kept, as only `hubspot-install-tokens` uses them. No default: every caller
    /// says which program it is.
    package static func load(
        environment: [String: String], configFile: String?, workingDirectory: String = FileSystem.currentDirectory(),
        readingSecrets: Bool
    ) throws(ConfigurationError) -> Configuration {
        var merged = environment
        var problems = [ConfigurationProblem]()
        if let configFile {
            if let text = FileSystem.readText(configFile) {
                let parsed = EnvironmentFile.parse(text)
                for (key, value) in parsed.values where merged[key] == nil { merged[key] = value }
                problems += parsed.problems.map { ConfigurationProblem(key: "--config", message: $0) }
            } else {
                problems.append(
                    ConfigurationProblem(key: "--config", message: "cannot read \(PrintableText.shown(configFile))"))
            }
        }
        var reader = Reader(
            values: merged, problems: problems, workingDirectory: workingDirectory, readsSecrets: readingSecrets)
        let configuration = reader.read()
        let errors = reader.problems.filter { !$0.isWarning }
        guard errors.isEmpty, let configuration else { throw ConfigurationError(problems: reader.problems) }
        return configuration
    }
}

/// One pass over the variables: each rule adds a problem and goes on, so the operator sees
/// everything that is wrong at once.
private struct Reader {
    var values: [String: String]
    var problems: [ConfigurationProblem]
    let workingDirectory: String
    let readsSecrets: Bool

    mutating func error(_ key: Setting, _ message: String) {
        problems.append(ConfigurationProblem(key, message: message))
    }

    mutating func warning(_ key: Setting, _ message: String) {
        problems.append(ConfigurationProblem(key, message: message, isWarning: true))
    }

    /// A set, non-blank value, trimmed.
    func value(_ key: Setting) -> String? { value(named: key.rawValue) }

    /// `value(_:)` of a variable that is not a setting (`XDG_RUNTIME_DIR`).
    func value(named name: String) -> String? {
        guard let raw = values[name] else { return nil }
        let trimmed = raw.trimmingSpaces()
        return trimmed.isEmpty ? nil : trimmed
    }

    mutating func required(_ key: Setting) -> String? {
        guard let value = value(key) else {
            error(key, "is required")
            return nil
        }
        return value
    }

    /// A secret given either inline (`KEY`) or in a file named by `KEY_FILE` (absolute), never
    /// both: the text and the variable it came from, or nil with the problem noted.
    mutating func inlineOrFile(_ secret: Setting.InlineOrFile, missing: String) -> (source: Setting, text: String)? {
        let (key, fileKey) = (secret.inline, secret.file)
        switch (value(key), value(fileKey)) {
        case (nil, nil):
            error(key, missing)
            return nil
        case (.some, .some):
            error(key, "set either \(key) or \(fileKey), not both")
            return nil
        case (let text?, nil):
            return (key, text)
        case (nil, let path?):
            guard path.hasPrefix("/") else {
                error(fileKey, "must be an absolute path")
                return nil
            }
            let (problem, looseMode) = FileSystem.secretFileProblem(path)
            if let looseMode { warning(fileKey, looseMode) }
            if let problem {
                error(fileKey, problem)
                return nil
            }
            guard let contents = FileSystem.readText(path) else {
                error(fileKey, "cannot read the file")
                return nil
            }
            return (fileKey, contents)
        }
    }

    /// Without reading: whether `KEY` or `KEY_FILE` (absolute) names the secret, exactly one of them.
    mutating func isNamed(_ secret: Setting.InlineOrFile, missing: String) -> Bool {
        let (key, fileKey) = (secret.inline, secret.file)
        switch (value(key), value(fileKey)) {
        case (nil, nil):
            error(key, missing)
            return false
        case (.some, .some):
            error(key, "set either \(key) or \(fileKey), not both")
            return false
        case (.some, nil):
            return true
        case (nil, let path?):
            guard path.hasPrefix("/") else {
                error(fileKey, "must be an absolute path")
                return false
            }
            return true
        }
    }

    mutating func read() -> Configuration? {
        for key in values.keys.sorted() where Setting.isInNamespace(key) && Setting(rawValue: key) == nil {
            let unknown = "is not a setting of hubspot-install (a typo?)"
            problems.append(ConfigurationProblem(key: key, message: unknown, isWarning: true))
        }
        let clientID = readClientID()
        let redirect = readRedirectURI()
        let (scopes, optionalScopes) = readScopes()
        let authorizeURL = readServiceURL(.authorizeURL, default: "https://app.hubspot.com/oauth/authorize")
        let tokenURL = readTokenURL()
        let pkce = readPKCE()
        let marketplace = readMarketplace()
        let returnHosts = readReturnHosts()
        if marketplace == .off, returnHosts?.isEmpty == false {
            warning(.returnHosts, "is used only with \(Setting.marketplace)=sign-in or direct")
        }
        let keys = readStateKeys()
        let ttl = readTTL()
        let stateDirectory = readStateDirectory()
        let hook = readHook()
        let clientSecret = hook == .hubspot ? readClientSecret() : nil
        let webhookKey = readWebhookKey(hook: hook)
        let tokenDatabase = readTokenDatabase(stateDirectory: stateDirectory, hook: hook)
        let tokenKeys = readTokenKeys(hook: hook)
        let refusesTokensInClear = readTokensInClear()
        let timeout = readTimeout()
        let concurrency = readHookConcurrency()
        let hookEnvironment = readHookEnvironment()
        let appName = readAppName()
        let publicDirectory = readPublicDirectory()
        let successURL = readSuccessURL()

        guard let clientID, let redirect, let authorizeURL, let tokenURL, let keys, let ttl, let hook, let timeout,
            let pkce, let marketplace, let returnHosts
        else { return nil }
        return Configuration(
            clientID: clientID, redirectURI: redirect.text, callbackPath: redirect.parts.path,
            isHTTPS: redirect.parts.scheme == "https", scopes: scopes, optionalScopes: optionalScopes,
            authorizeURL: authorizeURL, tokenURL: tokenURL, pkce: pkce, marketplace: marketplace,
            returnHosts: returnHosts, clientSecret: clientSecret, stateKeys: keys,
            stateTTL: ttl, stateDirectory: stateDirectory, tokenHook: hook, hookTimeout: timeout,
            hookConcurrency: concurrency,
            webhookKey: webhookKey, tokenDatabase: tokenDatabase, tokenKeys: tokenKeys,
            refusesTokensInClear: refusesTokensInClear,
            hookEnvironment: hookEnvironment, appName: appName, publicDirectory: publicDirectory,
            successURL: successURL ?? "/installed", warnings: problems.filter(\.isWarning), environment: values)
    }

    mutating func readClientID() -> String? {
        guard let id = required(.clientID) else { return nil }
        guard PrintableText.isVisibleASCII(id) else {
            error(.clientID, "must be printable ASCII without spaces (copy it from the app's Auth tab)")
            return nil
        }
        return id
    }

    mutating func readRedirectURI() -> (text: String, parts: URLParts)? {
        let key = Setting.redirectURI
        guard let text = required(key) else { return nil }
        guard let parts = URLParts(text) else {
            error(key, "must be an absolute URL such as https://example.com/oauth/callback")
            return nil
        }
        var ok = true
        if !parts.hasHubSpotRedirectScheme {
            error(key, "must use https (plain http is accepted by HubSpot only for localhost)")
            ok = false
        }
        if parts.isIPAddress {
            error(key, "must name a domain; HubSpot does not accept IP addresses in redirect URLs")
            ok = false
        }
        if parts.hasFragment {
            error(key, "must not have a #fragment")
            ok = false
        }
        if parts.hasUserInfo {
            error(key, "must not contain user:password@")
            ok = false
        }
        if Configuration.reservedPaths.contains(parts.path) {
            error(key, "its path \(parts.path) is one of our own routes; use e.g. /oauth/callback")
            ok = false
        }
        return ok ? (text, parts) : nil
    }

    mutating func readScopes() -> (required: [String], optional: [String]) {
        var required = scopeList(.scopes)
        let optional = scopeList(.optionalScopes)
        if !required.contains("oauth") { required.insert("oauth", at: 0) }
        for scope in optional where required.contains(scope) {
            error(.optionalScopes, "\(scope) is also in \(Setting.scopes); a scope is either required or optional")
        }
        if optional.contains("oauth") && !required.contains("oauth") {
            error(.optionalScopes, "oauth is always required")
        }
        // HubSpot's scope table says Forms needs `contacts`, but `contacts` is a legacy scope that new
        // apps cannot select any more (the granular crm.objects.contacts.* replaced it): refusing
        // would lock those apps out, so the operator is only told.
        let formsWithoutContacts =
            "forms needed the legacy scope contacts; add contacts if your app still offers it "
            + "(new apps cannot select it: crm.objects.contacts.read/write replaced it)"
        if required.contains("forms") && !required.contains("contacts") {
            warning(.scopes, formsWithoutContacts)
        } else if optional.contains("forms") && !required.contains("contacts") && !optional.contains("contacts") {
            warning(.optionalScopes, formsWithoutContacts)
        }
        return (required, optional)
    }

    mutating func scopeList(_ key: Setting) -> [String] {
        guard let raw = values[key.rawValue] else { return [] }
        var scopes = [String]()
        for word in raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) {
            let scope = String(word)
            if scope.contains(",") {
                error(key, "scopes are separated by spaces, not commas (HubSpot reads \"a,b\" as one unknown scope)")
                continue
            }
            guard ScopeCatalogue.isWellFormed(scope) else {
                error(key, "\(scope.asciiEscaped()) is not a well-formed scope name")
                continue
            }
            if scopes.contains(scope) {
                warning(key, "\(scope) is listed twice")
                continue
            }
            if ScopeCatalogue.entry(for: scope) == nil {
                warning(key, "\(scope) is not a scope this version knows; it is passed to HubSpot as written")
            }
            scopes.append(scope)
        }
        return scopes
    }

    mutating func readServiceURL(_ key: Setting, default defaultValue: String) -> String? {
        let text = value(key) ?? defaultValue
        guard URLParts.endpoint(text) != nil else {
            error(
                key,
                "must be an absolute https URL (plain http only for a local stand-in on localhost) of printable "
                    + "ASCII, without a #fragment or user:password@")
            return nil
        }
        return text
    }

    static let currentTokenURL = "https://api.hubapi.com/oauth/2026-03/token"

    /// HubSpot's current token endpoint by default; older versions still work until HubSpot ends
    /// them, so they are warnings with the date.
    mutating func readTokenURL() -> String? {
        let key = Setting.tokenURL
        guard let url = readServiceURL(key, default: Self.currentTokenURL) else { return nil }
        let path = URLParts(url)?.path ?? ""
        if path.hasPrefix("/oauth/v1/") {
            warning(key, "HubSpot ends the v1 token endpoint on 2027-02-16; use " + Self.currentTokenURL)
        } else if path.hasPrefix("/oauth/v3/") {
            warning(
                key, "HubSpot stops supporting the v3 token endpoint in September 2027; use " + Self.currentTokenURL)
        }
        return url
    }

    mutating func readPKCE() -> PKCEMode? {
        guard let text = value(.pkce) else { return .off }
        guard let mode = PKCEMode(rawValue: text) else {
            error(.pkce, "must be off or S256")
            return nil
        }
        return mode
    }

    mutating func readMarketplace() -> MarketplaceMode? {
        guard let text = value(.marketplace) else { return .off }
        guard let mode = MarketplaceMode(rawValue: text) else {
            error(.marketplace, "must be off, sign-in or direct")
            return nil
        }
        return mode
    }

    mutating func readReturnHosts() -> [ReturnHost]? {
        guard let text = value(.returnHosts) else { return [] }
        var hosts = [ReturnHost]()
        var ok = true
        for word in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" || $0 == "\n" }) {
            guard let host = ReturnHost(String(word)) else {
                error(
                    .returnHosts,
                    "\(String(word).asciiEscaped()) is not a host or host:port (no scheme, path or wildcard)")
                ok = false
                continue
            }
            hosts.append(host)
        }
        return ok ? hosts : nil
    }

    mutating func readStateKeys() -> [StateKey]? {
        guard
            let (source, text) = inlineOrFile(
                .stateKeys,
                missing: "is required (or \(Setting.stateKeysFile)); make one with `hubspot-install keygen`")
        else { return nil }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        guard !words.isEmpty else {
            error(source, "holds no key")
            return nil
        }
        var keys = [StateKey]()
        var ok = true
        for (index, word) in words.enumerated() {
            let position = words.count == 1 ? "the key" : "key \(index + 1)"
            guard let bytes = Base64URL.decode(word) else {
                error(source, "\(position) is not base64url without padding; make one with `hubspot-install keygen`")
                ok = false
                continue
            }
            guard bytes.count >= StateKey.minimumByteCount else {
                error(source, "\(position) is \(bytes.count) bytes; at least \(StateKey.minimumByteCount) are needed")
                ok = false
                continue
            }
            let key = StateKey(bytes: bytes)
            if keys.contains(where: { $0.id == key.id }) {
                warning(source, "\(position) repeats an earlier key")
                continue
            }
            keys.append(key)
        }
        return ok ? keys : nil
    }

    mutating func readTTL() -> Int64? {
        guard let text = value(.stateTTL) else { return 600 }
        guard let ttl = Configuration.wholeNumber(text), ttl > 0, ttl <= 86_400 else {
            error(.stateTTL, "must be a whole number of seconds from 1 to 86400")
            return nil
        }
        if ttl < 60 { warning(.stateTTL, "under a minute leaves people little time to consent") }
        return ttl
    }

    mutating func readStateDirectory() -> String {
        if let directory = value(.stateDirectory) {
            if !directory.hasPrefix("/") { error(.stateDirectory, "must be an absolute path") }
            return directory
        }
        if let runtime = value(named: "XDG_RUNTIME_DIR"), runtime.hasPrefix("/") { return runtime + "/hubspot-install" }
        return "/tmp/hubspot-install-\(FileSystem.userID)"
    }

    mutating func readHook() -> TokenHookSetting? {
        let key = Setting.tokenHook
        guard let text = required(key) else { return nil }
        if text == "hubspot" { return .hubspot }
        if text.hasPrefix("exec:") {
            let path = String(text.dropFirst(5))
            guard path.hasPrefix("/") else {
                error(key, "exec: needs an absolute path to the program")
                return nil
            }
            guard FileSystem.isExecutableFile(path) else {
                error(key, "exec: \(path) is not an executable file")
                return nil
            }
            return .exec(path: path)
        }
        if text.hasPrefix("webhook:") {
            let url = String(text.dropFirst(8))
            guard URLParts.endpoint(url) != nil else {
                error(key, "webhook: needs an absolute https URL (http only on localhost) of printable ASCII")
                return nil
            }
            return .webhook(url: url)
        }
        error(key, "must be exec:/absolute/path, webhook:https://..., or hubspot")
        return nil
    }

    /// For the responder, which never opens the token program's secret files: a `KEY_FILE` its group
    /// or every user can read is a warning, found with `stat` alone, because the token program's
    /// check cannot pass its warnings on. Its errors (a missing file, another owner, a writable
    /// mode, a malformed secret) the token program reports itself.
    mutating func warnAboutLooseMode(_ secret: Setting.InlineOrFile) {
        let fileKey = secret.file
        if let path = value(fileKey), case (_, let looseMode?) = FileSystem.secretFileProblem(path) {
            warning(fileKey, looseMode)
        }
    }

    mutating func readClientSecret() -> Secret? {
        let missing = "is required with \(Setting.tokenHook)=hubspot (or \(Setting.clientSecretFile))"
        guard readsSecrets else {
            if isNamed(.clientSecret, missing: missing) { warnAboutLooseMode(.clientSecret) }
            return nil
        }
        guard
            let (source, text) = inlineOrFile(.clientSecret, missing: missing)
        else { return nil }
        let secret = text.trimmingSpaces()
        guard !secret.isEmpty else {
            error(source, "is empty")
            return nil
        }
        return Secret(secret)
    }

    /// One key, base64url like the state keys and as long; a separate key, so a receiver that
    /// learns it can forge webhook posts but never a state.
    mutating func readWebhookKey(hook: TokenHookSetting?) -> SecretBytes? {
        let inline = value(.webhookKey)
        let file = value(.webhookKeyFile)
        guard case .webhook = hook else {
            if inline != nil || file != nil {
                let key: Setting = inline != nil ? .webhookKey : .webhookKeyFile
                warning(key, "is used only with webhook:")
            }
            return nil
        }
        let missing =
            "is required with webhook: (or \(Setting.webhookKeyFile)); make one with `hubspot-install keygen`"
        guard readsSecrets else {
            if isNamed(.webhookKey, missing: missing) { warnAboutLooseMode(.webhookKey) }
            return nil
        }
        guard let (source, contents) = inlineOrFile(.webhookKey, missing: missing) else { return nil }
        let text = contents.trimmingSpaces()
        guard let bytes = Base64URL.decode(text) else {
            error(source, "the key is not base64url without padding; make one with `hubspot-install keygen`")
            return nil
        }
        guard bytes.count >= StateKey.minimumByteCount else {
            error(source, "the key is \(bytes.count) bytes; at least \(StateKey.minimumByteCount) are needed")
            return nil
        }
        return SecretBytes(bytes)
    }

    /// The default lives beside the one-time markers, which may be a runtime directory emptied at
    /// reboot: fine for markers, not for tokens, so the built-in hook warns about it.
    mutating func readTokenDatabase(stateDirectory: String, hook: TokenHookSetting?) -> String {
        if let path = value(.tokenDatabase) {
            if let problem = TokenDatabase.formProblem(path) { error(.tokenDatabase, problem) }
            return path
        }
        let path = stateDirectory + "/tokens.sqlite3"
        if hook == .hubspot && value(.stateDirectory) == nil {
            warning(
                .tokenDatabase,
                "not set: tokens go to \(path), which may not survive a reboot; "
                    + "set \(Setting.tokenDatabase) or \(Setting.stateDirectory)")
        }
        return path
    }

    /// `INSTALL_TOKEN_KEYS(_FILE)`: keys of exactly 32 bytes, base64url, separated as the state keys
    /// are; the first seals the stored tokens, all open them. Like the client secret, the responder
    /// only checks that they are named (and whether their file is readable by others, from its
    /// metadata): no key is read and none kept, as only `hubspot-install-tokens` seals and opens.
    mutating func readTokenKeys(hook: TokenHookSetting?) -> [SecretBytes] {
        let secret = Setting.InlineOrFile.tokenKeys
        let (key, fileKey) = (secret.inline, secret.file)
        // Unset with the hubspot hook, tokens are stored in clear: `check` says so (`summary()`).
        guard value(key) != nil || value(fileKey) != nil else { return [] }
        if hook != nil && hook != .hubspot {
            warning(value(key) != nil ? key : fileKey, "is used only with \(Setting.tokenHook)=hubspot")
        }
        guard readsSecrets else {
            if isNamed(secret, missing: "") { warnAboutLooseMode(secret) }
            return []
        }
        guard let (source, text) = inlineOrFile(secret, missing: "") else { return [] }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        guard !words.isEmpty else {
            error(source, "holds no key")
            return []
        }
        var keys = [SecretBytes]()
        for (index, word) in words.enumerated() {
            let position = words.count == 1 ? "the key" : "key \(index + 1)"
            guard let bytes = Base64URL.decode(word) else {
                error(source, "\(position) is not base64url without padding; make one with `hubspot-install keygen`")
                continue
            }
            guard bytes.count == Configuration.tokenKeyByteCount else {
                error(
                    source,
                    "\(position) is \(bytes.count) bytes; token keys are exactly \(Configuration.tokenKeyByteCount) "
                        + "(make one with `hubspot-install keygen`)")
                continue
            }
            if keys.contains(where: { constantTimeEquals($0.bytes, bytes) }) {
                warning(source, "\(position) repeats an earlier key")
                continue
            }
            keys.append(SecretBytes(bytes))
        }
        return keys
    }

    /// `INSTALL_TOKENS_IN_CLEAR`: `read` (the default: a store from before the keys keeps
    /// working) or `refuse`, once `tokens rekey` has sealed every row. It needs keys, or every
    /// token written would be in clear and then refused; the responder checks that they are named.
    mutating func readTokensInClear() -> Bool {
        let key = Setting.tokensInClear
        switch value(key) {
        case nil, "read"?: return false
        case "refuse"?:
            if value(.tokenKeys) == nil && value(.tokenKeysFile) == nil {
                error(
                    key,
                    "refuse needs \(Setting.tokenKeys) (or \(Setting.tokenKeysFile)): without keys every token is "
                        + "stored in clear")
            }
            return true
        default:
            error(key, "must be read or refuse")
            return false
        }
    }

    mutating func readTimeout() -> Double? {
        guard let text = value(.tokenHookTimeout) else { return 10 }
        guard let seconds = Configuration.decimalNumber(text), seconds > 0, seconds <= 300 else {
            error(.tokenHookTimeout, "must be a number of seconds above 0 and at most 300")
            return nil
        }
        return seconds
    }

    /// Unset means "half the threads", which only `serve` knows.
    mutating func readHookConcurrency() -> Int? {
        guard let text = value(.hookConcurrency) else { return nil }
        guard let count = Int(text), count >= 1, count <= Configuration.maximumHookConcurrency else {
            error(
                .hookConcurrency,
                "must be a whole number of hooks from 1 to \(Configuration.maximumHookConcurrency)")
            return nil
        }
        return count
    }

    /// CGI variables that describe the request: in CGI mode they are the responder's environment.
    static let requestVariables: Set<String> = [
        "QUERY_STRING", "REQUEST_URI", "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "PATH_TRANSLATED",
        "CONTENT_TYPE", "CONTENT_LENGTH", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_PORT", "REMOTE_USER",
        "DOCUMENT_URI", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "GATEWAY_INTERFACE", "HTTPS",
    ]

    mutating func readHookEnvironment() -> [String] {
        guard let text = value(.tokenHookEnvironment) else { return [] }
        var names = [String]()
        for word in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" || $0 == "\n" }) {
            let name = String(word)
            let valid =
                name.utf8.first.map { !($0 >= 0x30 && $0 <= 0x39) } ?? false
                && name.utf8.allSatisfy {
                    ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F
                }
            if !valid {
                error(.tokenHookEnvironment, "\(name.asciiEscaped()) is not a variable name")
            } else if name.hasPrefix("HTTP_") || name.hasPrefix("REDIRECT_") || Self.requestVariables.contains(name) {
                error(
                    .tokenHookEnvironment, "\(name) would pass part of the request to the hook; it is never passed")
            } else {
                names.append(name)
            }
        }
        return names
    }

    mutating func readAppName() -> String {
        guard let name = value(.appName) else { return "HubSpot app" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) || name.count > 80 {
            error(.appName, "must be one line of at most 80 characters")
        }
        return name
    }

    mutating func readPublicDirectory() -> String {
        let raw = value(.publicDirectory) ?? "public"
        let path = raw.hasPrefix("/") ? raw : workingDirectory + "/" + raw
        if !FileSystem.isDirectory(path) {
            error(.publicDirectory, "\(path) is not a directory (it holds the page templates)")
        }
        return path
    }

    mutating func readSuccessURL() -> String? {
        guard let text = value(.successURL) else { return nil }
        if text.hasPrefix("/") && !text.hasPrefix("//") && !text.contains("\\")
            && PrintableText.isVisibleASCII(text)
        {
            return text
        }
        guard URLParts.webTarget(text) != nil else {
            error(
                .successURL,
                "must be an absolute https URL or a path starting with /, printable ASCII only (no spaces or control "
                    + "characters)")
            return nil
        }
        return text
    }
}

extension Configuration {
    /// Plain decimal digits only, at most 18 of them, so the value always fits an `Int64`: no sign,
    /// no spaces, no `0x`, and no text that `Int64(_:)` would quietly take (`+600`).
    package static func wholeNumber(_ text: String) -> Int64? {
        guard (1...18).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        return Int64(text)
    }

    /// `digits[.digits]`, at most 18 characters: never `nan`, `inf`, an exponent or hex, which
    /// `Double(_:)` would all accept.
    package static func decimalNumber(_ text: String) -> Double? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard text.utf8.count <= 18,
            parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } })
        else { return nil }
        return Double(text)
    }
}

extension String {
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }

    /// Printable form for messages about names (not secrets): non-ASCII and controls as \u{..}.
    func asciiEscaped() -> String {
        var out = ""
        for scalar in unicodeScalars {
            if scalar == " " || (scalar.isASCII && PrintableText.isVisibleASCII(UInt8(scalar.value))) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        return "\"" + out + "\""
    }
}
