import Testing

@testable import InstallFlow

struct ScopeCatalogueTests {
    static let objects = [
        "contacts", "companies", "deals", "custom", "line_items", "quotes", "marketing_events", "goals",
        "feedback_submissions", "leads", "invoices", "orders", "carts", "subscriptions", "products", "appointments",
        "courses", "listings", "services", "projects", "users",
    ]

    static let others: [String] = [
        "crm.objects.owners.read", "crm.lists.read", "crm.lists.write", "crm.import", "crm.export",
        "cms.domains.read", "cms.domains.write", "cms.functions.read", "cms.functions.write",
        "cms.knowledge_base.articles.read", "cms.knowledge_base.articles.write", "cms.knowledge_base.articles.publish",
        "cms.knowledge_base.settings.read", "cms.knowledge_base.settings.write", "cms.performance.read",
        "cms.source_code.read", "cms.source_code.write", "settings.users.read", "settings.users.write",
        "settings.users.teams.read", "settings.users.teams.write", "settings.currencies.read",
        "settings.currencies.write", "settings.billing.write", "tickets.sensitive", "conversations.read",
        "conversations.write", "conversations.visitor_identification.tokens.create", "communication_preferences.read",
        "communication_preferences.write", "communication_preferences.read_write",
        "communication_preferences.statuses.batch.read", "communication_preferences.statuses.batch.write",
        "media_bridge.read", "media_bridge.write", "marketing.campaigns.read", "marketing.campaigns.write",
        "marketing.campaigns.revenue.read", "account-info.security.read", "analytics.behavioral_events.send",
    ]

    /// HubSpot's granular scopes, by the families it names them in.
    static var granular: [String] {
        var scopes = others
        for object in objects { scopes += ["crm.objects.\(object).read", "crm.objects.\(object).write"] }
        for object in ["contacts", "companies", "deals", "custom"] {
            scopes += ["crm.schemas.\(object).read", "crm.schemas.\(object).write"]
        }
        for object in ["contacts", "companies", "deals"] {
            for level in ["sensitive", "highly_sensitive"] {
                scopes += ["crm.objects.\(object).\(level).read", "crm.objects.\(object).\(level).write"]
            }
        }
        return scopes
    }

    @Test(arguments: granular)
    func granularScopeIsKnownInWords(_ scope: String) throws {
        let entry = try #require(ScopeCatalogue.entry(for: scope))
        #expect(!entry.description.isEmpty)
        #expect(!entry.description.contains("_"), "words, not identifiers")
        #expect(!entry.tier.isEmpty)
        if scope.contains("sensitive") { #expect(entry.tier == "Enterprise") }
    }

    @Test func tiersSayWhoCanGrantIt() throws {
        #expect(ScopeCatalogue.entry(for: "crm.objects.contacts.read")?.tier == "Any Marketing or CRM account")
        #expect(ScopeCatalogue.entry(for: "crm.objects.custom.write")?.tier == "Enterprise")
        #expect(ScopeCatalogue.entry(for: "crm.objects.contacts.write")?.description == "Create and change contacts")
        #expect(
            ScopeCatalogue.entry(for: "crm.objects.deals.highly_sensitive.read")?.description
                == "Read highly sensitive data of deals")
    }

    @Test(arguments: ["crm.objects.widgets.read", "crm.objects.contacts.delete", "cms.everything", "crm.lists"])
    func unknownNamesAreNotGuessed(_ scope: String) {
        #expect(ScopeCatalogue.entry(for: scope) == nil)
    }

    @Test func landingPageShowsGranularScopesInWordsWithTheirTier() throws {
        let flow = try Flow([
            "HUBSPOT_SCOPES": "oauth crm.objects.contacts.read", "HUBSPOT_OPTIONAL_SCOPES": "crm.objects.custom.read",
        ])
        let page = flow.body(flow.get("/"))
        #expect(page.contains("Read contacts</span> <code class=\"scope-name\">crm.objects.contacts.read</code>"))
        #expect(page.contains("Requires: Any Marketing or CRM account"))
        #expect(page.contains("Read custom objects"))
        #expect(page.contains("Available with: Enterprise"))
    }
}
