import Testing

@testable import ResponderCommandLine

/// The responder's command line, read by hand: what each good line means, and a fixed error naming
/// the argument at fault for every bad one.
struct ResponderCommandTests {
    static let good: [([String], ResponderCommand)] = [
        ([], .serve(ServeOptions())),
        (["serve"], .serve(ServeOptions())),
        (["--socket", "/run/x.sock"], .serve(ServeOptions(socket: "/run/x.sock"))),
        (
            ["serve", "--listen", "127.0.0.1:9000", "--workers", "3", "--threads", "16", "--config", "/etc/h.env"],
            .serve(ServeOptions(listen: "127.0.0.1:9000", workers: 3, threads: 16, config: "/etc/h.env"))
        ),
        (["serve", "--threads=1024", "--workers=64"], .serve(ServeOptions(workers: 64, threads: 1024))),
        (["serve", "--threads", "0004"], .serve(ServeOptions(threads: 4))),
        // What the master passes to the workers it starts.
        (
            ["serve", "--worker", "--threads", "8", "--config", "/etc/h.env"],
            .serve(ServeOptions(threads: 8, config: "/etc/h.env", worker: true))
        ),
        // A value may hold `=` and spaces, and a path may start with a single dash and a digit.
        (["serve", "--config=a=b c"], .serve(ServeOptions(config: "a=b c"))),
        (["serve", "--socket", "-1.sock"], .serve(ServeOptions(socket: "-1.sock"))),
        (["serve", "--"], .serve(ServeOptions())),
        (["check"], .check(config: nil)),
        (["check", "--config", "/etc/h.env"], .check(config: "/etc/h.env")),
        (["keygen"], .keygen),
        // Everything after `tokens` belongs to hubspot-install-tokens, help and bad options included.
        (["tokens"], .tokens(arguments: [])),
        (["tokens", "--help", "--bogus", "serve", "--"], .tokens(arguments: ["--help", "--bogus", "serve", "--"])),
        (["--help"], .help(nil)),
        (["-h"], .help(nil)),
        (["help"], .help(nil)),
        (["help", "--help"], .help(nil)),
        (["help", "check"], .help(.check)),
        (["help", "tokens"], .help(.tokens)),
        (["serve", "--help"], .help(.serve)),
        (["keygen", "-h"], .help(.keygen)),
        (["check", "--config", "x", "--help"], .help(.check)),
        // Help wins over a bad argument, wherever it stands before `--`.
        (["serve", "--bogus", "--help"], .help(.serve)),
        (["--socket", "x", "-h"], .help(.serve)),
    ]

    @Test(arguments: good)
    func goodLinesMeanWhatTheySay(arguments: [String], expected: ResponderCommand) throws {
        #expect(try ResponderCommand.parse(arguments) == expected)
    }

    static let bad: [([String], UsageError)] = [
        (["bogus"], UsageError(.unexpectedArgument("bogus"), in: .serve)),
        (["--version"], UsageError(.unknownOption("--version"), in: .serve)),
        (["serve", "--bogus"], UsageError(.unknownOption("--bogus"), in: .serve)),
        (["serve", "--bogus=1"], UsageError(.unknownOption("--bogus"), in: .serve)),
        (["serve", "-x"], UsageError(.unknownOption("-x"), in: .serve)),
        (["serve", "-"], UsageError(.unexpectedArgument("-"), in: .serve)),
        (["serve", ""], UsageError(.unexpectedArgument(""), in: .serve)),
        (["serve", "extra"], UsageError(.unexpectedArgument("extra"), in: .serve)),
        (["serve", "--", "--help"], UsageError(.unexpectedArgument("--help"), in: .serve)),
        (["keygen", "extra"], UsageError(.unexpectedArgument("extra"), in: .keygen)),
        (["keygen", "--config", "x"], UsageError(.unknownOption("--config"), in: .keygen)),
        (["check", "--socket", "x"], UsageError(.unknownOption("--socket"), in: .check)),
        (["check", "--config", "a", "b"], UsageError(.unexpectedArgument("b"), in: .check)),
        (["check", "--config"], UsageError(.missingValue(option: "--config"), in: .check)),
        (["check", "--config="], UsageError(.missingValue(option: "--config"), in: .check)),
        (["check", "--config", ""], UsageError(.missingValue(option: "--config"), in: .check)),
        // The next option is not taken for a value.
        (["serve", "--socket", "--listen", "9000"], UsageError(.missingValue(option: "--socket"), in: .serve)),
        (["serve", "--threads", "--workers", "2"], UsageError(.missingValue(option: "--threads"), in: .serve)),
        (["serve", "--threads", "4", "--threads", "4"], UsageError(.repeated(option: "--threads"), in: .serve)),
        (["serve", "--worker", "--worker"], UsageError(.repeated(option: "--worker"), in: .serve)),
        (["serve", "--worker=yes"], UsageError(.unexpectedValue(option: "--worker"), in: .serve)),
        (
            ["serve", "--socket", "/tmp/x", "--listen", "9000"],
            UsageError(.exclusive("--socket", "--listen"), in: .serve)
        ),
        (["help", "bogus"], UsageError(.unknownSubcommand("bogus"), in: nil)),
        (["help", "serve", "check"], UsageError(.unexpectedArgument("check"), in: nil)),
    ]

    @Test(arguments: bad)
    func badLinesAreRefusedNamingTheArgument(arguments: [String], expected: UsageError) {
        #expect(throws: expected) { try ResponderCommand.parse(arguments) }
    }

    /// Numbers: plain decimal digits in range; no sign, space, separator, exponent or overflow.
    @Test(arguments: [
        "0", "1025", "-1", "+4", " 4", "4 ", "4\n", "4_0", "1e3", "0x10", "4.0", "٤", "４",
        "99999999999999999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        String(repeating: "9", count: 100_000),
    ])
    func threadCountsOutsideTheRulesAreRefused(value: String) {
        let expected = UsageError(.notANumber(option: "--threads", value: value, range: 1...1024), in: .serve)
        #expect(throws: expected) { try ResponderCommand.parse(["serve", "--threads", value]) }
        #expect(throws: expected) { try ResponderCommand.parse(["serve", "--threads=" + value]) }
    }

    @Test(arguments: ["0", "65", "-64", "1000000"])
    func workerCountsOutOfRangeAreRefused(value: String) {
        let expected = UsageError(.notANumber(option: "--workers", value: value, range: 1...64), in: .serve)
        #expect(throws: expected) { try ResponderCommand.parse(["--workers", value]) }
    }

    @Test func leadingZerosAreReadWithoutOverflow() {
        #expect(ResponderCommand.wholeNumber(String(repeating: "0", count: 100_000) + "7", in: 1...64) == 7)
    }
}
