/// A command line the responder cannot act on: the message names the option or argument at fault,
/// and `HelpText.error(_:)` adds the usage line of `subcommand` (nil: the top level). The process
/// exits with `exitStatus`, sysexits' EX_USAGE, as it did when a library parsed the arguments.
package struct UsageError: Error, Equatable, Sendable, CustomStringConvertible {
    package enum Reason: Equatable, Sendable {
        /// `--name` or `-x` that the subcommand does not have.
        case unknownOption(String)
        /// A word where no word belongs.
        case unexpectedArgument(String)
        /// `help WORD` where WORD is no subcommand.
        case unknownSubcommand(String)
        /// An option that takes a value at the end of the line, before another option, or `--name=`.
        case missingValue(option: String)
        /// `--flag=value` for an option that takes none.
        case unexpectedValue(option: String)
        /// The same option twice: which one was meant is a guess this parser does not make.
        case repeated(option: String)
        /// A number option given something that is not a whole number in its range.
        case notANumber(option: String, value: String, range: ClosedRange<Int>)
        /// Two options that cannot both be given.
        case exclusive(String, String)
        /// A rule checked once the arguments are read (e.g. no socket to serve at all).
        case refused(String)
    }

    package let reason: Reason
    /// Whose usage line goes with the message; nil for the top level.
    package let subcommand: Subcommand?

    package static let exitStatus: Int32 = 64

    package init(_ reason: Reason, in subcommand: Subcommand?) {
        self.reason = reason
        self.subcommand = subcommand
    }

    /// One line; a value from the command line is quoted and made printable (see `quoted`).
    package var description: String {
        switch reason {
        case .unknownOption(let option): "Unknown option \(Self.quoted(option))"
        case .unexpectedArgument(let word): "Unexpected argument \(Self.quoted(word))"
        case .unknownSubcommand(let word):
            "Unknown subcommand \(Self.quoted(word)); the subcommands are "
                + Subcommand.allCases.map(\.rawValue).joined(separator: ", ")
        case .missingValue(let option): "Missing value for '\(HelpText.spelling(of: option))'"
        case .unexpectedValue(let option): "Option '\(option)' takes no value"
        case .repeated(let option): "Option '\(option)' is given more than once"
        case .notANumber(let option, let value, let range):
            "The value \(Self.quoted(value)) is invalid for '\(HelpText.spelling(of: option))': "
                + "expected a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .exclusive(let first, let second): "\(first) and \(second) exclude each other"
        case .refused(let message): message
        }
    }

    /// A word from the command line in quotes, at most 80 characters of it, control characters as
    /// `?`: the message is one line whatever was typed.
    static func quoted(_ word: String) -> String {
        let limit = 80
        var shown = ""
        for (index, scalar) in word.unicodeScalars.enumerated() {
            if index == limit {
                shown += "..."
                break
            }
            let control = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            shown.unicodeScalars.append(control ? "?" : scalar)
        }
        return "'" + shown + "'"
    }
}
