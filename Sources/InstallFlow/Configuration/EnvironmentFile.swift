/// Reads a systemd-EnvironmentFile style text: `KEY=value` lines, `#` and `;` comments, blank
/// lines, optional `export `, values optionally in single or double quotes.
package enum EnvironmentFile {
    /// The values, and one message per line that could not be read. Messages give the line
    /// number, never the line: it may hold a secret.
    package static func parse(_ text: String) -> (values: [String: String], problems: [String]) {
        var values = [String: String]()
        var problems = [String]()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(rawLine).trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingSpaces() }
            guard let equals = line.firstIndex(of: "=") else {
                problems.append("line \(index + 1) is not KEY=value")
                continue
            }
            let key = String(line[..<equals]).trimmingSpaces()
            var value = String(line[line.index(after: equals)...]).trimmingSpaces()
            guard !key.isEmpty,
                key.utf8.allSatisfy({
                    ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F
                })
            else {
                problems.append("line \(index + 1) does not start with a variable name")
                continue
            }
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        return (values, problems)
    }
}
