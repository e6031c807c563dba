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
            ].map(visible)
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

    /// A cell as it may reach a terminal: control and format characters (newlines, ESC, the
    /// bidirectional overrides) and line separators shown as `\u{…}`, so a stored value can neither
    /// forge a row nor steer the terminal.
    package static func visible(_ cell: String) -> String {
        var out = ""
        for scalar in cell.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse:
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
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
        var hubID: Int64
        var status: String
        var hubDomain: String?
        var userID: Int64?
        var userEmail: String?
        var appID: Int64?
        var hublet: String?
        var expiresAt: Int64?
        var scopes: [String]
        var tokenType: String
        var installedAt: Int64
        var updatedAt: Int64

        init(_ install: StoredInstall) {
            hubID = install.hubID
            status = install.status.rawValue
            hubDomain = install.hubDomain
            userID = install.userID
            userEmail = install.userEmail
            appID = install.appID
            hublet = install.hublet
            expiresAt = install.expiresAt
            scopes = install.scopes
            tokenType = install.tokenType
            installedAt = install.installedAt
            updatedAt = install.updatedAt
        }

        /// The store's column names.
        enum CodingKeys: String, CodingKey {
            case hubID = "hub_id"
            case status
            case hubDomain = "hub_domain"
            case userID = "user_id"
            case userEmail = "user_email"
            case appID = "app_id"
            case hublet
            case expiresAt = "expires_at"
            case scopes
            case tokenType = "token_type"
            case installedAt = "installed_at"
            case updatedAt = "updated_at"
        }

        func encode(to encoder: any Encoder) throws {
            // Absent values as null, so every object has every key.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(hubID, forKey: .hubID)
            try container.encode(status, forKey: .status)
            try container.encode(hubDomain, forKey: .hubDomain)
            try container.encode(userID, forKey: .userID)
            try container.encode(userEmail, forKey: .userEmail)
            try container.encode(appID, forKey: .appID)
            try container.encode(hublet, forKey: .hublet)
            try container.encode(expiresAt, forKey: .expiresAt)
            try container.encode(scopes, forKey: .scopes)
            try container.encode(tokenType, forKey: .tokenType)
            try container.encode(installedAt, forKey: .installedAt)
            try container.encode(updatedAt, forKey: .updatedAt)
        }
    }

    /// UTC, to the second: `2026-05-04T12:00:00Z`.
    package static func timestamp(_ unix: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(unix)))
    }
}
