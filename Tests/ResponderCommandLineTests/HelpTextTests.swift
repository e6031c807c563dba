import Testing

@testable import ResponderCommandLine

/// What a person reads: the help of every subcommand, and the three lines after a usage error.
struct HelpTextTests {
    @Test(arguments: [nil] + Subcommand.allCases.map(Optional.some))
    func everyHelpHasTheUsageLineAndStaysWithin80Columns(subcommand: Subcommand?) {
        let text = HelpText.help(for: subcommand)
        #expect(text.contains("USAGE: " + HelpText.usage(for: subcommand) + "\n"))
        #expect(text.hasSuffix("\n"))
        for line in text.split(separator: "\n") where !line.hasPrefix("USAGE: ") {
            #expect(line.count <= 80, "\(line)")
        }
    }

    @Test func theTopLevelHelpListsEverySubcommandAndTheDefault() {
        let text = HelpText.help(for: nil)
        #expect(text.contains("  serve (default)  "))
        for subcommand in Subcommand.allCases {
            #expect(text.contains("\n  \(subcommand.rawValue) "))
        }
    }

    /// `--worker` is for the master alone: no help or usage line shows it.
    @Test func theWorkerFlagStaysOutOfTheHelp() {
        #expect(!HelpText.help(for: .serve).contains("--worker "))
        #expect(!HelpText.usage(for: .serve).contains("--worker]"))
        #expect(HelpText.help(for: .serve).contains("--workers <workers>"))
    }

    @Test func aUsageErrorSaysWhatAndWhereToReadMore() {
        let error = UsageError(.missingValue(option: "--threads"), in: .serve)
        #expect(
            HelpText.error(error) == """
                Error: Missing value for '--threads <threads>'
                Usage: hubspot-install serve [--socket <path>] [--listen <address:port>] [--workers <workers>] \
                [--threads <threads>] [--config <file>]
                  See 'hubspot-install serve --help' for more information.
                """)
        #expect(
            HelpText.error(UsageError(.unknownSubcommand("x"), in: nil)).hasSuffix(
                "'hubspot-install --help' for more information."))
    }

    /// A typed value comes back on one line, cut short, whatever it holds.
    @Test(arguments: ["a\nb", "\u{1B}[31mred", "\u{9B}x", String(repeating: "x", count: 500)])
    func quotedValuesStayOnOnePrintableLine(value: String) {
        let text = UsageError(.unexpectedArgument(value), in: .serve).description
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        #expect(text.count < 120)
    }
}
