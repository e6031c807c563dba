/// Every page rendered once at start from the templates in `INSTALL_PUBLIC_DIR`: the hot path
/// only copies bytes.
package struct Pages: Sendable {
    /// Slots each template may use; any other slot is a configuration error, so a typo in a
    /// restyled template is caught at start instead of rendering as nothing.
    static let slots: [String: Set<String>] = [
        "index.html": ["app_name", "install_url", "required_scopes", "optional_scopes"],
        "installed.html": ["app_name", "start_url", "account", "ungranted_scopes"],
        "error.html": ["app_name", "title", "message", "start_url"],
        "marketplace.html": ["app_name", "title", "message", "return_url"],
    ]

    private let bodies: [Page: [UInt8]]
    /// The success page's template, kept for the one page rendered per request: the success page
    /// naming the account that was just connected.
    private let installedTemplate: Template?
    private let appName: String
    /// The error page of the Marketplace install URL, rendered per request: its "Back to HubSpot"
    /// link is the request's checked `returnUrl`. Nil while `INSTALL_MARKETPLACE` is off.
    private let marketplaceTemplate: Template?

    package init(
        bodies: [Page: [UInt8]], installedTemplate: Template? = nil, marketplaceTemplate: Template? = nil,
        appName: String = ""
    ) {
        self.bodies = bodies
        self.installedTemplate = installedTemplate
        self.marketplaceTemplate = marketplaceTemplate
        self.appName = appName
    }

    /// An error page of the Marketplace install URL: the page's fixed words and a link back to the
    /// HubSpot page the install came from (escaped; it has passed `ReturnURL`'s checks).
    package func marketplace(_ page: Page, returnURL: ReturnURL) -> [UInt8] {
        guard let marketplaceTemplate, let words = page.words else { return body(page) }
        return Array(
            marketplaceTemplate.render([
                "app_name": .text(appName), "title": .text(words.title), "message": .text(words.message),
                "return_url": .text(returnURL.text),
            ]).utf8)
    }

    /// The success page for one install: the account, and the optional scopes it did not grant.
    package func installed(_ receipt: InstallReceipt) -> [UInt8] {
        guard let installedTemplate else { return body(.installed) }
        var account = ""
        if !receipt.account.isEmpty {
            account =
                "<p class=\"account\">Connected account: <strong>" + HTML.escape(receipt.account) + "</strong></p>"
        }
        var ungranted = ""
        if !receipt.ungrantedOptionalScopes.isEmpty {
            ungranted =
                "<h2>Not available in this account</h2>\n<p>The account did not grant these optional permissions, so the app works without them:</p>\n"
                + Self.scopeList(receipt.ungrantedOptionalScopes, optional: true)
        }
        return Array(
            installedTemplate.render([
                "app_name": .text(appName), "start_url": .text("/"), "account": .markup(account),
                "ungranted_scopes": .markup(ungranted),
            ]).utf8)
    }

    package func body(_ page: Page) -> [UInt8] { bodies[page] ?? [] }

    /// Reads and renders the templates; every problem names INSTALL_PUBLIC_DIR and the file.
    package static func load(configuration: Configuration) throws(ConfigurationError) -> Pages {
        var templates = [String: Template]()
        var problems = [ConfigurationProblem]()
        // Deployments without the Marketplace install URL need not ship its template.
        for (name, allowed) in slots.sorted(by: { $0.key < $1.key })
        where name != "marketplace.html" || configuration.marketplace != .off {
            let path = configuration.publicDirectory + "/" + name
            guard let text = FileSystem.readText(path) else {
                problems.append(ConfigurationProblem(.publicDirectory, message: "cannot read \(path)"))
                continue
            }
            do {
                let template = try Template(text)
                for unknown in template.slotNames.subtracting(allowed).sorted() {
                    problems.append(
                        ConfigurationProblem(
                            .publicDirectory,
                            message:
                                "\(name) uses {{\(unknown)}}; it may use \(allowed.sorted().joined(separator: ", "))"))
                }
                templates[name] = template
            } catch {
                problems.append(
                    ConfigurationProblem(.publicDirectory, message: "\(name) has a malformed {{slot}}"))
            }
        }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return render(templates: templates, configuration: configuration)
    }

    static func render(templates: [String: Template], configuration: Configuration) -> Pages {
        var bodies = [Page: [UInt8]]()
        for page in Page.allCases {
            guard let template = templates[page.templateName] else { continue }
            var values: [String: Template.Value] = [
                "app_name": .text(configuration.appName),
                "start_url": .text("/"),
            ]
            switch page {
            case .landing:
                values["install_url"] = .text("/oauth/authorize")
                values["required_scopes"] = .markup(scopeList(configuration.scopes, optional: false))
                if !configuration.optionalScopes.isEmpty {
                    values["optional_scopes"] = .markup(
                        "<h3>Also, if your HubSpot account includes them:</h3>\n"
                            + scopeList(configuration.optionalScopes, optional: true))
                }
            case .installed:
                break
            default:
                if let words = page.words {
                    values["title"] = .text(words.title)
                    values["message"] = .text(words.message)
                }
            }
            bodies[page] = Array(template.render(values).utf8)
        }
        return Pages(
            bodies: bodies, installedTemplate: templates["installed.html"],
            marketplaceTemplate: templates["marketplace.html"], appName: configuration.appName)
    }

    /// A `<ul>` with one item per scope, every value escaped, each with its tier note: "Requires:"
    /// for a required scope (none when every account has it), "Available with:" for an optional
    /// one; nothing when there are none.
    static func scopeList(_ scopes: [String], optional: Bool) -> String {
        if scopes.isEmpty { return "" }
        var html = "<ul class=\"scopes\">\n"
        for scope in scopes {
            let entry = ScopeCatalogue.entry(for: scope)
            html += "<li class=\"scope\"><span class=\"scope-words\">"
            html += HTML.escape(entry?.description ?? "Access named \u{201C}\(scope)\u{201D}")
            html += "</span> <code class=\"scope-name\">" + HTML.escape(scope) + "</code>"
            let tier = entry?.tier ?? "Depends on your HubSpot subscription"
            if optional {
                html += "<span class=\"scope-tier\">Available with: " + HTML.escape(tier) + "</span>"
            } else if tier != ScopeCatalogue.everyAccount {
                html += "<span class=\"scope-tier\">Requires: " + HTML.escape(tier) + "</span>"
            }
            html += "</li>\n"
        }
        return html + "</ul>"
    }
}
