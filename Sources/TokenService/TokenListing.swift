internal import Foundation

/// What `hubspot-install tokens list` prints: one line per install, no token.
package enum TokenListing {
    package static func render(_ installs: [StoredInstall]) -> String {
        let header = ["HUB_ID", "DOMAIN", "EXPIRES_AT", "INSTALLED_AT", "SCOPES"]
        let rows = installs.map { install in
            [
                String(install.hubID), install.hubDomain ?? "-", install.expiresAt.map(timestamp) ?? "-",
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

    /// UTC, to the second: `2026-05-04T12:00:00Z`.
    static func timestamp(_ unix: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(unix)))
    }
}
