/// HubSpot's scopes in words, as the landing page and `check` show them (docs/hubspot.md, Scopes).
/// Kept as data: HubSpot adds scopes, and an unknown one is only a warning.
package enum ScopeCatalogue {
    package struct Entry: Sendable, Equatable {
        /// What the app may do, in words a HubSpot customer understands.
        package var description: String
        /// Which accounts can grant it.
        package var tier: String
    }

    /// The tier of scopes every account can grant; the landing page leaves that note out.
    package static let everyAccount = "All accounts"

    package static let entries: [String: Entry] = [
        "oauth": Entry(
            description: "Basic information about your HubSpot account (always included)", tier: everyAccount),
        "automation": Entry(description: "Workflows", tier: "Marketing Hub Professional or Enterprise"),
        "business-intelligence": Entry(description: "Analytics", tier: "Any Marketing or CRM account"),
        "contacts": Entry(
            description: "Contacts, companies, deals and their properties, engagements and owners",
            tier: "Any Marketing or CRM account"),
        "content": Entry(
            description: "Website and email content (CMS), the calendar, marketing email and email events",
            tier: "Marketing Hub Professional or Enterprise"),
        "conversations.visitor_identification.tokens.create": Entry(
            description: "Identify visitors of your chat widget", tier: "Professional or Enterprise"),
        "e-commerce": Entry(
            description: "Products and line items",
            tier: "Sales Hub Professional (the installing user needs a paid Sales seat)"),
        "files": Entry(description: "Files in the file manager", tier: "Any Marketing or CRM account"),
        "forms": Entry(description: "Forms", tier: "Any Marketing account"),
        "hubdb": Entry(
            description: "HubDB tables", tier: "Marketing Hub Professional or Enterprise with the Website add-on"),
        "integration-sync": Entry(description: "The e-commerce bridge", tier: "Any Marketing or CRM account"),
        "sales-email-read": Entry(description: "The content of sales emails", tier: "Any Sales Hub account"),
        "social": Entry(description: "Social media posts", tier: "Marketing Hub Professional or Enterprise"),
        "tickets": Entry(description: "Support tickets", tier: "Any account with Service Hub"),
        "timeline": Entry(description: "Events on CRM record timelines", tier: "Any Marketing or CRM account"),
        "transactional-email": Entry(
            description: "Transactional email",
            tier: "Marketing Hub Professional or Enterprise with the Transactional Email add-on"),
    ]

    /// Object names of the granular `crm.objects.<type>.*` scopes, in words.
    private static let crmObjects: [String: String] = [
        "contacts": "contacts", "companies": "companies", "deals": "deals", "custom": "custom objects",
        "line_items": "line items", "quotes": "quotes", "marketing_events": "marketing events",
        "owners": "record owners", "goals": "goals", "feedback_submissions": "feedback submissions",
        "leads": "leads", "invoices": "invoices", "orders": "orders", "carts": "carts",
        "subscriptions": "subscriptions", "products": "products", "appointments": "appointments",
        "courses": "courses", "listings": "listings", "services": "services", "projects": "projects",
        "users": "users", "partner-clients": "partner clients", "commercepayments": "commerce payments",
    ]

    /// The words for a scope, or nil if it is not one we know (a warning, not an error).
    package static func entry(for scope: String) -> Entry? {
        if let entry = entries[scope] { return entry }
        let parts = scope.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, let access = parts.last else { return simplePatterns(scope) }
        let verb: String
        switch access {
        case "read": verb = "Read"
        case "write": verb = "Create and change"
        default: return simplePatterns(scope)
        }
        if parts[0] == "crm", parts[1] == "objects", let object = crmObjects[parts[2]] {
            switch parts.count {
            case 4: return Entry(description: "\(verb) \(object)", tier: objectTier(parts[2]))
            case 5 where parts[3] == "sensitive":
                return Entry(description: "\(verb) sensitive data of \(object)", tier: "Enterprise")
            case 5 where parts[3] == "highly_sensitive":
                return Entry(description: "\(verb) highly sensitive data of \(object)", tier: "Enterprise")
            default: return nil
            }
        }
        if parts[0] == "crm", parts[1] == "schemas", parts.count == 4, let object = crmObjects[parts[2]] {
            return Entry(
                description: "\(verb) the property definitions of \(object)",
                tier: "Depends on your HubSpot subscription")
        }
        return simplePatterns(scope)
    }

    /// The granular successors of the legacy `contacts` scope reach what every account has; custom
    /// objects exist only in Enterprise accounts; for the rest it depends on the HubSpot products
    /// the account has.
    private static func objectTier(_ object: String) -> String {
        switch object {
        case "contacts", "companies", "deals", "owners": "Any Marketing or CRM account"
        case "custom": "Enterprise"
        default: "Depends on your HubSpot subscription"
        }
    }

    private static let others: [String: String] = [
        "crm.lists.read": "Read lists", "crm.lists.write": "Create and change lists",
        "crm.import": "Import CRM records", "crm.export": "Export CRM records",
        "conversations.read": "Read conversations in the inbox",
        "conversations.write": "Send and change inbox conversations",
        "tickets.sensitive": "Sensitive data of tickets", "media_bridge.read": "Read media bridge objects",
        "media_bridge.write": "Create and change media bridge objects",
        "account-info.security.read": "Read the account's security activity",
        "analytics.behavioral_events.send": "Send custom behavioral events",
        "settings.users.read": "Read users of the account", "settings.users.write": "Manage users of the account",
        "settings.users.teams.read": "Read teams", "settings.users.teams.write": "Manage teams",
        "settings.currencies.read": "Read currency settings", "settings.currencies.write": "Change currency settings",
        "settings.billing.write": "Change billing settings",
        "communication_preferences.read": "Read subscription preferences",
        "communication_preferences.write": "Change subscription preferences",
        "communication_preferences.read_write": "Read and change subscription preferences",
        "communication_preferences.statuses.batch.read": "Read subscription statuses in bulk",
        "communication_preferences.statuses.batch.write": "Change subscription statuses in bulk",
        "marketing.campaigns.read": "Read marketing campaigns",
        "marketing.campaigns.write": "Create and change marketing campaigns",
        "marketing.campaigns.revenue.read": "Read campaign revenue",
        "cms.domains.read": "Read website domains", "cms.domains.write": "Change website domains",
        "cms.functions.read": "Read serverless functions", "cms.functions.write": "Change serverless functions",
        "cms.knowledge_base.articles.read": "Read knowledge base articles",
        "cms.knowledge_base.articles.write": "Change knowledge base articles",
        "cms.knowledge_base.articles.publish": "Publish knowledge base articles",
        "cms.knowledge_base.settings.read": "Read knowledge base settings",
        "cms.knowledge_base.settings.write": "Change knowledge base settings",
        "cms.performance.read": "Read website performance", "cms.source_code.read": "Read website source code",
        "cms.source_code.write": "Change website source code",
    ]

    private static func simplePatterns(_ scope: String) -> Entry? {
        guard let words = others[scope] else { return nil }
        let tier = scope.contains("sensitive") ? "Enterprise" : "Depends on your HubSpot subscription"
        return Entry(description: words, tier: tier)
    }

    /// A scope name HubSpot could accept at all: lowercase letters, digits, `.`, `-`, `_`.
    /// A comma, a space or anything else means the list was written wrong.
    package static func isWellFormed(_ scope: String) -> Bool {
        !scope.isEmpty
            && scope.utf8.allSatisfy { byte in
                (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2E || byte == 0x2D
                    || byte == 0x5F || (byte >= 0x41 && byte <= 0x5A)
            }
    }
}
