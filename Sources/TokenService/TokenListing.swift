internal import Foundation

/// What `hubspot-install tokens list` prints: one line (or JSON object) per install, never a token.
package enum TokenListing {
    package static func render(_ installs: [StoredInstall]) -> String {
        let header = ["HUB_ID", "STATUS", "DOMAIN", "USER", "APP_ID", "HUBLET", "EXPIRES_AT", "INSTALLED_AT", "SCOPES"]
        let rows = installs.map { install in
            [
                String(install.hubID), install.status.rawValue, install.hubDomain ?? "-", install.userEmail ?? "-",
                install.appID.map(String.init) ?? "-", install.hublet ?? "-", install.expiresAt.map(timestamp) ?? "-",
                timestamp(install.installedAt), install.scopes.joined(separator: " "),
            ]
        }
        let all = [header] + rows
        let widths = (0..<header.count - 1).map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            var line = ""
            for (column, cell) in row.enumerated() {
                if column < widths.count {
                    line += cell + String(repeating: " ", count: widths[column] - cell.count + 2)
                } else {
                    line += cell
                }
            }
            return line
        }.joined(separator: "\n")
    }

    /// `list --json`: an array of objects with the store's column names, tokens left out.
    package static func json(_ installs: [StoredInstall]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(installs.map(Listed.init))) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The row without its tokens: what can be listed is all this type holds.
    private struct Listed: Encodable {
        var hub_id: Int64
        var status: String
        var hub_domain: String?
        var user_id: Int64?
        var user_email: String?
        var app_id: Int64?
        var hublet: String?
        var expires_at: Int64?
        var scopes: [String]
        var token_type: String
        var installed_at: Int64
        var updated_at: Int64

        init(_ install: StoredInstall) {
            hub_id = install.hubID
            status = install.status.rawValue
            hub_domain = install.hubDomain
            user_id = install.userID
            user_email = install.userEmail
            app_id = install.appID
            hublet = install.hublet
            expires_at = install.expiresAt
            scopes = install.scopes
            token_type = install.tokenType
            installed_at = install.installedAt
            updated_at = install.updatedAt
        }

        func encode(to encoder: any Encoder) throws {
            // Absent values as null, so every object has every key.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(hub_id, forKey: .hub_id)
            try container.encode(status, forKey: .status)
            try container.encode(hub_domain, forKey: .hub_domain)
            try container.encode(user_id, forKey: .user_id)
            try container.encode(user_email, forKey: .user_email)
            try container.encode(app_id, forKey: .app_id)
            try container.encode(hublet, forKey: .hublet)
            try container.encode(expires_at, forKey: .expires_at)
            try container.encode(scopes, forKey: .scopes)
            try container.encode(token_type, forKey: .token_type)
            try container.encode(installed_at, forKey: .installed_at)
            try container.encode(updated_at, forKey: .updated_at)
        }

        enum CodingKeys: String, CodingKey {
            case hub_id, status, hub_domain, user_id, user_email, app_id, hublet, expires_at, scopes, token_type
            case installed_at, updated_at
        }
    }

    /// UTC, to the second: `2026-05-04T12:00:00Z`.
    package static func timestamp(_ unix: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(unix)))
    }
}
