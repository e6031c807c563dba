import Testing

@testable import InstallFlow

/// The configuration keys an operator reads in docs/configuration.md are exactly `Setting`'s cases,
/// each prints as its key, and only names that are no case are warned about as typos.
struct SettingTests {
    /// The table's rows: every backticked name of each row's first column (a secret's row holds
    /// `` `KEY` / `KEY_FILE` ``). Empty when the table is not found.
    static func documentedRows(_ markdown: String) -> [[String]] {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.firstIndex(where: { $0.hasPrefix("| variable |") }) else { return [] }
        var rows = [[String]]()
        for line in lines[(header + 1)...] {
            guard line.hasPrefix("|") else { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false)
            guard cells.count > 2, !cells[1].hasPrefix("---") else { continue }
            let pieces = cells[1].split(separator: "`", omittingEmptySubsequences: false)
            rows.append(pieces.enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) })
        }
        return rows
    }

    /// What differs between the documented keys and the cases, in both directions.
    static func differences(documented: [String], cases: [Setting]) -> (undocumented: [String], unknown: [String]) {
        let known = Set(cases.map(\.rawValue))
        return (known.subtracting(documented).sorted(), Set(documented).subtracting(known).sorted())
    }

    static let documentation = FileSystem.readText(Fixture.repositoryRoot + "/docs/configuration.md") ?? ""
    static let rows = documentedRows(documentation)

    @Test func theDocumentedTableIsExactlyTheSettings() {
        let documented = Self.rows.flatMap { $0 }
        let (undocumented, unknown) = Self.differences(documented: documented, cases: Setting.allCases)
        #expect(undocumented.isEmpty, "docs/configuration.md's table lacks \(undocumented)")
        #expect(unknown.isEmpty, "docs/configuration.md's table names keys that are no Setting: \(unknown)")
        #expect(documented.count == Set(documented).count, "a key has two rows")
    }

    /// The comparison itself: a row taken out or a case the table lacks is found, either way round.
    @Test func aMissingRowOrAnExtraKeyIsFound() {
        let rows = Self.rows.filter { $0 != [Setting.tokensInClear.rawValue] }
        #expect(rows.count == Self.rows.count - 1)
        let withoutRow = Self.differences(documented: rows.flatMap { $0 }, cases: Setting.allCases)
        #expect(withoutRow.undocumented == [Setting.tokensInClear.rawValue] && withoutRow.unknown.isEmpty)
        let extra = Self.differences(
            documented: Self.rows.flatMap { $0 } + ["INSTALL_NOT_A_SETTING"], cases: Setting.allCases)
        #expect(extra.undocumented.isEmpty && extra.unknown == ["INSTALL_NOT_A_SETTING"])
    }

    /// A secret and its `_FILE` variable share one row, the secret first, and no other row holds
    /// two names.
    @Test func fileVariantsShareTheirSecretsRow() {
        let pairs = Self.rows.filter { $0.count > 1 }
        #expect(Set(pairs) == Set(Setting.InlineOrFile.allCases.map { [$0.inline.rawValue, $0.file.rawValue] }))
        #expect(Self.rows.allSatisfy { (1...2).contains($0.count) })
    }

    @Test(arguments: Setting.allCases)
    func aSettingPrintsAsItsKey(_ setting: Setting) {
        #expect("\(setting)" == setting.rawValue)
        #expect(Setting.isInNamespace(setting.rawValue))
        #expect(ConfigurationProblem(setting, message: "m").description == setting.rawValue + ": m")
    }

    /// Whatever value it has, a setting is never taken for a typo.
    @Test(arguments: Setting.allCases)
    func aSettingIsNeverWarnedAboutAsUnknown(_ setting: Setting) {
        let problems: [ConfigurationProblem]
        do {
            problems = try Fixture.configuration([setting.rawValue: "x"]).warnings
        } catch {
            problems = error.problems
        }
        #expect(!problems.contains { $0.message.contains("is not a setting") })
    }

    @Test func anUnknownNameInTheNamespaceIsWarnedAboutAndOthersAreNot() throws {
        let configuration = try Fixture.configuration([
            "INSTALL_TOKEN_HOOKS": "exec:/bin/true", "HUBSPOT_CLIENTID": "x", "OTHER_SETTING": "y",
        ])
        #expect(
            configuration.warnings.map(\.description) == [
                "warning: HUBSPOT_CLIENTID: is not a setting of hubspot-install (a typo?)",
                "warning: INSTALL_TOKEN_HOOKS: is not a setting of hubspot-install (a typo?)",
            ])
    }

    @Test func theConfigFileVariableCountsOnlyWhenNotEmpty() {
        #expect(Setting.configFile.nonEmptyValue(in: ["HUBSPOT_INSTALL_CONFIG": "/etc/x.env"]) == "/etc/x.env")
        #expect(Setting.configFile.nonEmptyValue(in: ["HUBSPOT_INSTALL_CONFIG": ""]) == nil)
        #expect(Setting.configFile.nonEmptyValue(in: [:]) == nil)
    }
}
