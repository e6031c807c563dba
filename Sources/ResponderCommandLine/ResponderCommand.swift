/// What the responder's command line asks for.
///
/// Read by hand, not by an argument-parsing library: swift-argument-parser and the Foundation it
/// links in made up 40% of the executable's code, which every worker process maps (see
/// Benchmarks/README.md). The rules are the usual ones: `--name VALUE` or `--name=VALUE`, `-h`/`--help`
/// anywhere before `--`, no option twice, numbers as plain decimal digits in a range; anything else
/// is a `UsageError` naming the argument at fault. A CGI program never gets here: it reads no
/// argument at all.
package enum ResponderCommand: Equatable, Sendable {
    case serve(ServeOptions)
    case check(config: String?)
    case keygen
    /// Everything after `tokens`, untouched, for hubspot-install-tokens (which has its own help).
    case tokens(arguments: [String])
    /// `-h`, `--help` or `help [SUBCOMMAND]`: print `HelpText.help(for:)` and exit 0.
    case help(Subcommand?)

    /// `arguments` without the program name. A first word that is no subcommand starts the
    /// options of `serve`, the default.
    package static func parse(_ arguments: [String]) throws(UsageError) -> ResponderCommand {
        guard let first = arguments.first else { return .serve(ServeOptions()) }
        let rest = Array(arguments.dropFirst())
        if isHelp(first) { return .help(nil) }
        if first == "help" { return try helpTopic(rest) }
        guard let subcommand = Subcommand(rawValue: first) else { return try parse(arguments, of: .serve) }
        return try parse(rest, of: subcommand)
    }

    private static func parse(_ arguments: [String], of subcommand: Subcommand) throws(UsageError) -> ResponderCommand {
        switch subcommand {
        case .tokens:
            return .tokens(arguments: arguments)
        case .keygen:
            guard try scan(arguments, of: .keygen) != nil else { return .help(.keygen) }
            return .keygen
        case .check:
            guard let given = try scan(arguments, of: .check) else { return .help(.check) }
            return .check(config: given[Option.config.name])
        case .serve:
            guard let given = try scan(arguments, of: .serve) else { return .help(.serve) }
            let options = ServeOptions(
                socket: given[Option.socket.name], listen: given[Option.listen.name],
                workers: try number(given, Option.workers, in: ServeOptions.workerRange),
                threads: try number(given, Option.threads, in: ServeOptions.threadRange),
                config: given[Option.config.name], worker: given[Option.worker.name] != nil)
            if options.socket != nil && options.listen != nil {
                throw UsageError(.exclusive(Option.socket.name, Option.listen.name), in: .serve)
            }
            return .serve(options)
        }
    }

    /// `help`, `help SUBCOMMAND`.
    private static func helpTopic(_ arguments: [String]) throws(UsageError) -> ResponderCommand {
        guard let word = arguments.first, !isHelp(word) else { return .help(nil) }
        guard let subcommand = Subcommand(rawValue: word) else { throw UsageError(.unknownSubcommand(word), in: nil) }
        if arguments.count > 1 { throw UsageError(.unexpectedArgument(arguments[1]), in: nil) }
        return .help(subcommand)
    }

    /// The options given, by name (a flag's value is empty); nil when help was asked for.
    private static func scan(_ arguments: [String], of subcommand: Subcommand) throws(UsageError) -> [String: String]? {
        // Help wins wherever it stands among the options, as it does for most programs.
        for argument in arguments {
            if argument == "--" { break }
            if isHelp(argument) { return nil }
        }
        let accepted = Option.options(of: subcommand)
        var given: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                // No subcommand takes a word, so nothing may follow.
                if index < arguments.count { throw UsageError(.unexpectedArgument(arguments[index]), in: subcommand) }
                break
            }
            guard looksLikeOption(argument) else { throw UsageError(.unexpectedArgument(argument), in: subcommand) }
            var name = argument
            var inline: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inline = String(argument[argument.index(after: equals)...])
            }
            guard let option = accepted.first(where: { $0.name == name }) else {
                throw UsageError(.unknownOption(name), in: subcommand)
            }
            guard given[option.name] == nil else { throw UsageError(.repeated(option: option.name), in: subcommand) }
            guard option.valueName != nil else {
                if inline != nil { throw UsageError(.unexpectedValue(option: option.name), in: subcommand) }
                given[option.name] = ""
                continue
            }
            var value = inline
            if value == nil, index < arguments.count, !looksLikeOption(arguments[index]) {
                value = arguments[index]
                index += 1
            }
            guard let value, !value.isEmpty else {
                throw UsageError(.missingValue(option: option.name), in: subcommand)
            }
            given[option.name] = value
        }
        return given
    }

    /// `-h`, `--help`.
    private static func isHelp(_ argument: String) -> Bool { argument == "-h" || argument == "--help" }

    /// A dash and something that is not a digit: `-1` is a (bad) value, not an option.
    private static func looksLikeOption(_ argument: String) -> Bool {
        let bytes = argument.utf8
        guard bytes.count > 1, bytes.first == UInt8(ascii: "-") else { return false }
        let second = bytes[bytes.index(after: bytes.startIndex)]
        return !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(second)
    }

    private static func number(_ given: [String: String], _ option: Option, in range: ClosedRange<Int>)
        throws(UsageError) -> Int?
    {
        guard let text = given[option.name] else { return nil }
        guard let value = wholeNumber(text, in: range) else {
            throw UsageError(.notANumber(option: option.name, value: text, range: range), in: .serve)
        }
        return value
    }

    /// Decimal digits only (no sign, space or `_`), read without overflow: it stops as soon as the
    /// value is past the range.
    static func wholeNumber(_ text: String, in range: ClosedRange<Int>) -> Int? {
        guard !text.isEmpty else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (shifted, shiftOverflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, sumOverflow) = shifted.addingReportingOverflow(Int(byte &- UInt8(ascii: "0")))
            guard !shiftOverflow, !sumOverflow, sum <= range.upperBound else { return nil }
            value = sum
        }
        return range.contains(value) ? value : nil
    }
}
