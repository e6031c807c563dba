import Testing

@testable import InstallFlow

struct ConfigurationTests {
    @Test func goodConfigurationLoadsWithDefaults() throws {
        let configuration = try Fixture.configuration()
        #expect(configuration.scopes == ["oauth", "contacts"])
        #expect(configuration.optionalScopes == ["automation"])
        #expect(configuration.callbackPath == "/oauth/callback")
        #expect(configuration.isHTTPS)
        #expect(configuration.stateTTL == 600)
        #expect(configuration.hookTimeout == 10)
        #expect(configuration.authorizeURL == "https://app.hubspot.com/oauth/authorize")
        #expect(configuration.tokenURL == "https://api.hubapi.com/oauth/2026-03/token")
        #expect(configuration.pkce == .off)
        #expect(configuration.marketplace == .off)
        #expect(configuration.returnHosts.isEmpty)
        #expect(configuration.warnings.isEmpty)
        #expect(configuration.successURL == "/installed")
        #expect(configuration.tokenHook == .exec(path: "/bin/true"))
    }

    @Test func oauthIsAlwaysAddedToTheRequiredScopes() throws {
        let configuration = try Fixture.configuration(["HUBSPOT_SCOPES": "contacts"])
        #expect(configuration.scopes == ["oauth", "contacts"])
        let unset = try Fixture.configuration(["HUBSPOT_SCOPES": nil, "HUBSPOT_OPTIONAL_SCOPES": nil])
        #expect(unset.scopes == ["oauth"])
    }

    struct Rule: Sendable, CustomTestStringConvertible {
        var name: String
        var changes: [String: String?]
        var key: String
        var words: String
        var testDescription: String { name }
    }

    static let rules: [Rule] = [
        Rule(
            name: "client id missing", changes: ["HUBSPOT_CLIENT_ID": nil], key: "HUBSPOT_CLIENT_ID", words: "required"),
        Rule(
            name: "client id blank", changes: ["HUBSPOT_CLIENT_ID": "  "], key: "HUBSPOT_CLIENT_ID", words: "required"),
        Rule(
            name: "client id with space", changes: ["HUBSPOT_CLIENT_ID": "a b"], key: "HUBSPOT_CLIENT_ID",
            words: "printable"),
        Rule(
            name: "redirect missing", changes: ["HUBSPOT_REDIRECT_URI": nil], key: "HUBSPOT_REDIRECT_URI",
            words: "required"),
        Rule(
            name: "redirect relative", changes: ["HUBSPOT_REDIRECT_URI": "/oauth/callback"],
            key: "HUBSPOT_REDIRECT_URI", words: "absolute"),
        Rule(
            name: "http off localhost", changes: ["HUBSPOT_REDIRECT_URI": "http://install.example.com/cb"],
            key: "HUBSPOT_REDIRECT_URI", words: "https"),
        Rule(
            name: "IPv4 host", changes: ["HUBSPOT_REDIRECT_URI": "https://192.0.2.10/cb"], key: "HUBSPOT_REDIRECT_URI",
            words: "IP"),
        Rule(
            name: "IPv6 host", changes: ["HUBSPOT_REDIRECT_URI": "https://[2001:db8::1]/cb"],
            key: "HUBSPOT_REDIRECT_URI", words: "IP"),
        Rule(
            name: "http on 127.0.0.1", changes: ["HUBSPOT_REDIRECT_URI": "http://127.0.0.1:8080/cb"],
            key: "HUBSPOT_REDIRECT_URI", words: "IP"),
        Rule(
            name: "fragment", changes: ["HUBSPOT_REDIRECT_URI": "https://install.example.com/cb#x"],
            key: "HUBSPOT_REDIRECT_URI", words: "fragment"),
        Rule(
            name: "userinfo", changes: ["HUBSPOT_REDIRECT_URI": "https://u:p@install.example.com/cb"],
            key: "HUBSPOT_REDIRECT_URI", words: "user"),
        Rule(
            name: "callback shadows a route", changes: ["HUBSPOT_REDIRECT_URI": "https://install.example.com/"],
            key: "HUBSPOT_REDIRECT_URI", words: "our own routes"),
        Rule(
            name: "comma in scopes", changes: ["HUBSPOT_SCOPES": "oauth,contacts"], key: "HUBSPOT_SCOPES",
            words: "commas"),
        Rule(
            name: "comma in optional scopes", changes: ["HUBSPOT_OPTIONAL_SCOPES": "automation,social"],
            key: "HUBSPOT_OPTIONAL_SCOPES", words: "commas"),
        Rule(
            name: "malformed scope", changes: ["HUBSPOT_SCOPES": "oauth con%74acts"], key: "HUBSPOT_SCOPES",
            words: "well-formed"),
        Rule(
            name: "scope both required and optional", changes: ["HUBSPOT_OPTIONAL_SCOPES": "contacts"],
            key: "HUBSPOT_OPTIONAL_SCOPES", words: "either required or optional"),
        Rule(
            name: "marketplace flow unknown", changes: ["INSTALL_MARKETPLACE": "on"], key: "INSTALL_MARKETPLACE",
            words: "off, sign-in or direct"),
        Rule(
            name: "marketplace flow in another case", changes: ["INSTALL_MARKETPLACE": "Direct"],
            key: "INSTALL_MARKETPLACE", words: "off, sign-in or direct"),
        Rule(name: "PKCE plain", changes: ["HUBSPOT_PKCE": "plain"], key: "HUBSPOT_PKCE", words: "off or S256"),
        Rule(name: "PKCE lower case", changes: ["HUBSPOT_PKCE": "s256"], key: "HUBSPOT_PKCE", words: "off or S256"),
        Rule(
            name: "return host with a scheme", changes: ["INSTALL_RETURN_HOSTS": "https://standin.example"],
            key: "INSTALL_RETURN_HOSTS", words: "\"https://standin.example\" is not a host"),
        Rule(
            name: "return host with a path", changes: ["INSTALL_RETURN_HOSTS": "localhost:9000/x"],
            key: "INSTALL_RETURN_HOSTS", words: "not a host"),
        Rule(
            name: "return host wildcard", changes: ["INSTALL_RETURN_HOSTS": "*.hubspot.com"],
            key: "INSTALL_RETURN_HOSTS", words: "wildcard"),
        Rule(
            name: "return host with userinfo", changes: ["INSTALL_RETURN_HOSTS": "a@localhost"],
            key: "INSTALL_RETURN_HOSTS", words: "not a host"),
        Rule(
            name: "return host port out of range", changes: ["INSTALL_RETURN_HOSTS": "localhost:70000"],
            key: "INSTALL_RETURN_HOSTS", words: "not a host"),
        Rule(
            name: "callback on the Marketplace install URL",
            changes: ["HUBSPOT_REDIRECT_URI": "https://install.example.com/oauth/install"],
            key: "HUBSPOT_REDIRECT_URI", words: "our own routes"),
        Rule(name: "keys missing", changes: ["INSTALL_STATE_KEYS": nil], key: "INSTALL_STATE_KEYS", words: "required"),
        Rule(
            name: "short key", changes: ["INSTALL_STATE_KEYS": "AAAAAAAAAAAAAAAAAAAAAA"], key: "INSTALL_STATE_KEYS",
            words: "at least 32"),
        Rule(
            name: "key not base64url", changes: ["INSTALL_STATE_KEYS": "not+base64/url=="], key: "INSTALL_STATE_KEYS",
            words: "base64url"),
        Rule(
            name: "padded key", changes: ["INSTALL_STATE_KEYS": Fixture.keyA + "="], key: "INSTALL_STATE_KEYS",
            words: "base64url"),
        Rule(
            name: "keys twice", changes: ["INSTALL_STATE_KEYS_FILE": "/etc/hostname"], key: "INSTALL_STATE_KEYS",
            words: "not both"),
        Rule(
            name: "key file unreadable",
            changes: ["INSTALL_STATE_KEYS": nil, "INSTALL_STATE_KEYS_FILE": "/nonexistent/keys"],
            key: "INSTALL_STATE_KEYS_FILE", words: "cannot read"),
        Rule(
            name: "key file relative", changes: ["INSTALL_STATE_KEYS": nil, "INSTALL_STATE_KEYS_FILE": "keys"],
            key: "INSTALL_STATE_KEYS_FILE", words: "absolute"),
        Rule(name: "ttl zero", changes: ["INSTALL_STATE_TTL": "0"], key: "INSTALL_STATE_TTL", words: "whole number"),
        Rule(
            name: "ttl negative", changes: ["INSTALL_STATE_TTL": "-5"], key: "INSTALL_STATE_TTL", words: "whole number"),
        Rule(
            name: "ttl with unit", changes: ["INSTALL_STATE_TTL": "10m"], key: "INSTALL_STATE_TTL",
            words: "whole number"),
        Rule(
            name: "state dir relative", changes: ["INSTALL_STATE_DIR": "state"], key: "INSTALL_STATE_DIR",
            words: "absolute"),
        Rule(name: "hook missing", changes: ["INSTALL_TOKEN_HOOK": nil], key: "INSTALL_TOKEN_HOOK", words: "required"),
        Rule(
            name: "relative hook path", changes: ["INSTALL_TOKEN_HOOK": "exec:bin/hook"], key: "INSTALL_TOKEN_HOOK",
            words: "absolute"),
        Rule(
            name: "hook not executable",
            changes: ["INSTALL_TOKEN_HOOK": "exec:" + Fixture.repositoryRoot + "/Package.swift"],
            key: "INSTALL_TOKEN_HOOK", words: "not an executable"),
        Rule(
            name: "hook is a directory", changes: ["INSTALL_TOKEN_HOOK": "exec:/usr/bin"], key: "INSTALL_TOKEN_HOOK",
            words: "not an executable"),
        Rule(
            name: "unknown hook kind", changes: ["INSTALL_TOKEN_HOOK": "shell:echo"], key: "INSTALL_TOKEN_HOOK",
            words: "must be"),
        Rule(
            name: "webhook over http", changes: ["INSTALL_TOKEN_HOOK": "webhook:http://hooks.example.com/x"],
            key: "INSTALL_TOKEN_HOOK", words: "https"),
        Rule(
            name: "hubspot hook without secret", changes: ["INSTALL_TOKEN_HOOK": "hubspot"],
            key: "HUBSPOT_CLIENT_SECRET", words: "required"),
        Rule(
            name: "timeout zero", changes: ["INSTALL_TOKEN_HOOK_TIMEOUT": "0"], key: "INSTALL_TOKEN_HOOK_TIMEOUT",
            words: "above 0"),
        Rule(
            name: "timeout text", changes: ["INSTALL_TOKEN_HOOK_TIMEOUT": "soon"], key: "INSTALL_TOKEN_HOOK_TIMEOUT",
            words: "above 0"),
        Rule(
            name: "HTTP_ passed to hook", changes: ["INSTALL_TOKEN_HOOK_ENV": "DATABASE_URL HTTP_COOKIE"],
            key: "INSTALL_TOKEN_HOOK_ENV", words: "never passed"),
        Rule(
            name: "request variable passed to hook", changes: ["INSTALL_TOKEN_HOOK_ENV": "QUERY_STRING"],
            key: "INSTALL_TOKEN_HOOK_ENV", words: "never passed"),
        Rule(
            name: "authorize URL over http",
            changes: ["HUBSPOT_AUTHORIZE_URL": "http://app.hubspot.com/oauth/authorize"], key: "HUBSPOT_AUTHORIZE_URL",
            words: "https"),
        Rule(
            name: "token URL over http", changes: ["HUBSPOT_TOKEN_URL": "http://api.hubapi.com/oauth/v3/token"],
            key: "HUBSPOT_TOKEN_URL", words: "https"),
        Rule(
            name: "public dir missing", changes: ["INSTALL_PUBLIC_DIR": "/nonexistent/public"],
            key: "INSTALL_PUBLIC_DIR", words: "not a directory"),
        Rule(
            name: "success URL protocol-relative", changes: ["INSTALL_SUCCESS_URL": "//evil.example/x"],
            key: "INSTALL_SUCCESS_URL", words: "https"),
        Rule(
            name: "success URL javascript", changes: ["INSTALL_SUCCESS_URL": "javascript:alert(1)"],
            key: "INSTALL_SUCCESS_URL", words: "https"),
        Rule(
            name: "app name multi-line", changes: ["INSTALL_APP_NAME": "Acme\nSync"], key: "INSTALL_APP_NAME",
            words: "one line"),
        Rule(
            name: "webhook without key", changes: ["INSTALL_TOKEN_HOOK": "webhook:https://hooks.example.com/x"],
            key: "INSTALL_WEBHOOK_KEY", words: "required"),
        Rule(
            name: "webhook key twice",
            changes: [
                "INSTALL_TOKEN_HOOK": "webhook:https://hooks.example.com/x", "INSTALL_WEBHOOK_KEY": Fixture.keyB,
                "INSTALL_WEBHOOK_KEY_FILE": "/etc/hostname",
            ], key: "INSTALL_WEBHOOK_KEY", words: "not both"),
        Rule(
            name: "webhook key short",
            changes: [
                "INSTALL_TOKEN_HOOK": "webhook:https://hooks.example.com/x",
                "INSTALL_WEBHOOK_KEY": "AAAAAAAAAAAAAAAAAAAAAA",
            ], key: "INSTALL_WEBHOOK_KEY", words: "at least 32"),
        Rule(
            name: "webhook key padded",
            changes: [
                "INSTALL_TOKEN_HOOK": "webhook:https://hooks.example.com/x", "INSTALL_WEBHOOK_KEY": Fixture.keyB + "=",
            ], key: "INSTALL_WEBHOOK_KEY", words: "base64url"),
        Rule(
            name: "webhook key file unreadable",
            changes: [
                "INSTALL_TOKEN_HOOK": "webhook:https://hooks.example.com/x",
                "INSTALL_WEBHOOK_KEY_FILE": "/nonexistent/key",
            ], key: "INSTALL_WEBHOOK_KEY_FILE", words: "cannot read"),
        Rule(
            name: "webhook key file relative",
            changes: ["INSTALL_TOKEN_HOOK": "webhook:https://hooks.example.com/x", "INSTALL_WEBHOOK_KEY_FILE": "key"],
            key: "INSTALL_WEBHOOK_KEY_FILE", words: "absolute"),
        Rule(
            name: "token db relative", changes: ["INSTALL_TOKEN_DB": "tokens.sqlite3"], key: "INSTALL_TOKEN_DB",
            words: "absolute"),
        Rule(
            name: "token db a directory", changes: ["INSTALL_TOKEN_DB": "/var/lib/hubspot-install/"],
            key: "INSTALL_TOKEN_DB", words: "file"),
        Rule(
            name: "token db another scheme", changes: ["INSTALL_TOKEN_DB": "mysql://db/tokens"],
            key: "INSTALL_TOKEN_DB", words: "postgresql://"),
        Rule(
            name: "token db url with a space", changes: ["INSTALL_TOKEN_DB": "postgresql://db/tokens sslmode=disable"],
            key: "INSTALL_TOKEN_DB", words: "spaces"),
    ]

    /// The responder only checks the URL's form (it has no libpq and never opens the store), and
    /// `check` shows it without the password.
    @Test(arguments: ["postgresql://app:pw-Secret1@db.example.com:5432/hubspot?sslmode=verify-full", "postgres://db/x"])
    func aPostgreSQLURLIsAcceptedAndShownWithoutItsPassword(_ url: String) throws {
        let configuration = try Fixture.configuration([
            "INSTALL_TOKEN_HOOK": "hubspot", "HUBSPOT_CLIENT_SECRET": "s", "INSTALL_TOKEN_DB": url,
        ])
        #expect(configuration.tokenDatabase == url)
        #expect(!configuration.summary().contains("pw-Secret1"))
        #expect(configuration.summary().contains(TokenDatabase.redacted(url)))
    }

    @Test(arguments: rules)
    func ruleIsRejectedNamingTheKey(_ rule: Rule) {
        #expect {
            _ = try Fixture.configuration(rule.changes)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.problems.contains { !$0.isWarning && $0.key == rule.key && $0.message.contains(rule.words) }
        }
    }

    @Test func webhookKeyAndTokenDatabaseAreRead() throws {
        let webhook = try Fixture.configuration([
            "INSTALL_TOKEN_HOOK": "webhook:https://hooks.example.com/x", "INSTALL_WEBHOOK_KEY": Fixture.keyB,
            "INSTALL_STATE_DIR": "/var/lib/hubspot-install",
        ])
        #expect(webhook.tokenHook == .webhook(url: "https://hooks.example.com/x"))
        #expect(webhook.webhookKey?.bytes == [UInt8](repeating: 0xB2, count: 32))
        #expect(webhook.tokenDatabase == "/var/lib/hubspot-install/tokens.sqlite3")
        #expect(!String(describing: webhook.webhookKey as Any).contains(Fixture.keyB))
        #expect("\(webhook.webhookKey!)" == "<redacted>")

        let hubspot = try Fixture.configuration([
            "INSTALL_TOKEN_HOOK": "hubspot", "HUBSPOT_CLIENT_SECRET": "s", "INSTALL_TOKEN_DB": "/srv/tokens.db",
            "INSTALL_WEBHOOK_KEY": Fixture.keyB,
        ])
        #expect(hubspot.tokenDatabase == "/srv/tokens.db")
        #expect(hubspot.webhookKey == nil)
        #expect(
            hubspot.warnings.contains { $0.key == "INSTALL_WEBHOOK_KEY" && $0.message.contains("only with webhook") })
    }

    @Test func tokensInAVolatileDefaultPlaceAreWarnedAbout() throws {
        let configuration = try Fixture.configuration(["INSTALL_TOKEN_HOOK": "hubspot", "HUBSPOT_CLIENT_SECRET": "s"])
        #expect(configuration.tokenDatabase == configuration.stateDirectory + "/tokens.sqlite3")
        #expect(configuration.warnings.contains { $0.key == "INSTALL_TOKEN_DB" && $0.message.contains("reboot") })
    }

    @Test func everyProblemIsReportedAtOnce() {
        #expect {
            _ = try Fixture.configuration([
                "HUBSPOT_CLIENT_ID": nil, "HUBSPOT_REDIRECT_URI": "http://192.0.2.1/cb", "INSTALL_STATE_TTL": "0",
                "INSTALL_TOKEN_HOOK": "exec:relative",
            ])
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return ["HUBSPOT_CLIENT_ID", "HUBSPOT_REDIRECT_URI", "INSTALL_STATE_TTL", "INSTALL_TOKEN_HOOK"]
                .allSatisfy(error.names)
        }
    }

    @Test func secretsNeverAppearInProblems() {
        let secret = "s3cr3t-client-secret-value"
        let shortKey = "c2hvcnRrZXlzaG9ydGtleQ"
        do {
            _ = try Fixture.configuration([
                "INSTALL_STATE_KEYS": shortKey, "INSTALL_TOKEN_HOOK": "hubspot", "HUBSPOT_CLIENT_SECRET": secret,
                "HUBSPOT_CLIENT_SECRET_FILE": "/etc/hostname",
            ])
            Issue.record("expected an error")
        } catch {
            #expect(!error.description.contains(secret))
            #expect(!error.description.contains(shortKey))
            #expect(error.names("INSTALL_STATE_KEYS") && error.names("HUBSPOT_CLIENT_SECRET"))
        }
    }

    @Test func unknownScopesAndVariablesAreWarningsNotErrors() throws {
        let configuration = try Fixture.configuration([
            "HUBSPOT_SCOPES": "oauth contacts crm.objects.widgets.read", "INSTALL_STAT_TTL": "5",
        ])
        #expect(configuration.scopes.contains("crm.objects.widgets.read"))
        #expect(configuration.warnings.contains { $0.key == "HUBSPOT_SCOPES" && $0.message.contains("widgets") })
        #expect(configuration.warnings.contains { $0.key == "INSTALL_STAT_TTL" })
    }

    @Test func httpIsAcceptedForLocalhostOnly() throws {
        let configuration = try Fixture.configuration(["HUBSPOT_REDIRECT_URI": "http://localhost:8080/oauth/callback"])
        #expect(!configuration.isHTTPS)
        #expect(configuration.callbackPath == "/oauth/callback")
    }

    @Test func severalKeysRotate() throws {
        let configuration = try Fixture.configuration(["INSTALL_STATE_KEYS": Fixture.keyB + "\n" + Fixture.keyA])
        #expect(configuration.stateKeys.count == 2)
        #expect(configuration.stateKeys[0].id == StateKey(bytes: [UInt8](repeating: 0xB2, count: 32)).id)
    }

    @Test func environmentFileIsReadAndTheEnvironmentWins() throws {
        let text = """
            # comment
            HUBSPOT_CLIENT_ID=from-file
            export INSTALL_APP_NAME="Quoted Name"
            INSTALL_STATE_TTL='300'
            """
        let parsed = EnvironmentFile.parse(text)
        #expect(parsed.problems.isEmpty)
        #expect(parsed.values["HUBSPOT_CLIENT_ID"] == "from-file")
        #expect(parsed.values["INSTALL_APP_NAME"] == "Quoted Name")
        #expect(parsed.values["INSTALL_STATE_TTL"] == "300")
        let broken = EnvironmentFile.parse("SECRET_LINE_WITHOUT_EQUALS\n")
        #expect(broken.problems == ["line 1 is not KEY=value"])
    }

    @Test func summaryShowsWhatTheResponderWillDo() throws {
        let summary = try Fixture.configuration().summary()
        #expect(summary.contains("Configuration is valid."))
        #expect(
            summary.contains(
                "https://app.hubspot.com/oauth/authorize?client_id=9b4a5e2c-1f3d-4a8b-9c7e-6d5f4e3c2b1a&redirect_uri=https%3A%2F%2Finstall.example.com%2Foauth%2Fcallback&scope=oauth%20contacts&optional_scope=automation&state=<state>"
            ))
        #expect(summary.contains("contacts: Contacts, companies, deals"))
        #expect(summary.contains("automation: Workflows [only for: Marketing Hub Professional or Enterprise]"))
        #expect(summary.contains("/oauth/callback"))
        #expect(summary.contains("exec /bin/true"))
        #expect(!summary.contains(Fixture.keyA))
    }

    @Test func formsWithoutContactsIsAWarningThatExplainsItself() throws {
        for changes: [String: String?] in [
            ["HUBSPOT_SCOPES": "oauth forms"], ["HUBSPOT_SCOPES": "oauth", "HUBSPOT_OPTIONAL_SCOPES": "forms"],
        ] {
            let configuration = try Fixture.configuration(changes)
            let warning = try #require(configuration.warnings.first { $0.message.contains("forms") })
            #expect(warning.isWarning)
            #expect(warning.message.contains("legacy scope contacts"))
            #expect(warning.message.contains("new apps cannot select it"))
            #expect(warning.message.contains("crm.objects.contacts"))
        }
        #expect(try Fixture.configuration(["HUBSPOT_SCOPES": "oauth contacts forms"]).warnings.isEmpty)
    }

    @Test(arguments: [
        ("https://api.hubapi.com/oauth/v1/token", "2027-02-16"),
        ("https://api.hubapi.com/oauth/v3/token", "September 2027"),
    ])
    func olderTokenEndpointsAreWarningsWithTheirDate(url: String, date: String) throws {
        let configuration = try Fixture.configuration(["HUBSPOT_TOKEN_URL": url])
        #expect(configuration.tokenURL == url)
        let warning = try #require(configuration.warnings.first { $0.key == "HUBSPOT_TOKEN_URL" })
        #expect(warning.message.contains(date))
        #expect(warning.message.contains("https://api.hubapi.com/oauth/2026-03/token"))
        let current = try Fixture.configuration(["HUBSPOT_TOKEN_URL": "https://api.hubapi.com/oauth/2026-03/token"])
        #expect(!current.warnings.contains { $0.key == "HUBSPOT_TOKEN_URL" })
    }

    @Test func marketplacePKCEAndReturnHostsAreRead() throws {
        let configuration = try Fixture.configuration([
            "INSTALL_MARKETPLACE": "sign-in", "HUBSPOT_PKCE": "S256",
            "INSTALL_RETURN_HOSTS": "localhost:9000, 127.0.0.1:9001 Standin.Example.com",
        ])
        #expect(configuration.marketplace == .signIn)
        #expect(configuration.pkce == .s256)
        #expect(configuration.returnHosts.map(\.host) == ["localhost", "127.0.0.1", "standin.example.com"])
        #expect(configuration.returnHosts.map(\.port) == [9000, 9001, nil])
        #expect(configuration.returnHosts.map(\.allowsHTTP) == [true, true, false])
        #expect(try Fixture.configuration(["INSTALL_MARKETPLACE": "direct"]).marketplace == .direct)
        #expect(try Fixture.configuration(["INSTALL_MARKETPLACE": "off"]).marketplace == .off)
        #expect(!configuration.warnings.contains { $0.key == "INSTALL_RETURN_HOSTS" })
        let unused = try Fixture.configuration(["INSTALL_RETURN_HOSTS": "localhost:9000"])
        #expect(unused.warnings.contains { $0.key == "INSTALL_RETURN_HOSTS" && $0.message.contains("only with") })
    }

    @Test func summaryNamesTheMarketplaceInstallURLAndItsFlow() throws {
        #expect(
            try Fixture.configuration().summary().contains(
                "Marketplace:    off (INSTALL_MARKETPLACE=sign-in or direct serves https://install.example.com/oauth/install)"
            ))
        let signIn = try Fixture.configuration(["INSTALL_MARKETPLACE": "sign-in"]).summary()
        #expect(signIn.contains("install URL https://install.example.com/oauth/install, flow with partner sign-in"))
        #expect(signIn.contains("GET /oauth/install     HubSpot Marketplace install URL (sign-in flow)"))
        let direct = try Fixture.configuration([
            "INSTALL_MARKETPLACE": "direct", "HUBSPOT_REDIRECT_URI": "http://localhost:8080/oauth/callback",
        ]).summary()
        #expect(direct.contains("install URL http://localhost:8080/oauth/install, flow without partner sign-in"))
        let pkce = try Fixture.configuration(["HUBSPOT_PKCE": "S256"]).summary()
        #expect(pkce.contains("&state=<state>&code_challenge=<challenge>&code_challenge_method=S256"))
        #expect(!(try Fixture.configuration().summary().contains("code_challenge")))
    }
}

/// A `--config` path comes from a command line: its error message shows control characters as `?`,
/// so nothing typed reaches the terminal as an escape sequence or starts a line of its own.
struct ConfigurationFileMessageTests {
    @Test func anUnreadableConfigFileIsNamedPrintably() {
        let path = "/nonexistent/\u{1B}[31mred\nerror: forged\u{9B}2J"
        #expect {
            _ = try Configuration.load(
                environment: Fixture.environment([:]), configFile: path, workingDirectory: Fixture.repositoryRoot,
                readingSecrets: true)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            let messages = error.problems.filter { $0.key == "--config" }.map(\.message)
            return messages == ["cannot read /nonexistent/?[31mred?error: forged?2J"]
        }
    }
}
