/// The character classes of text from outside (a setting, a query, an answer, the command line),
/// in one place so that every check of "printable" means the same thing.
///
/// `shown(_:)`: a word from the command line (a path, an address) as it may appear in an error
/// message: every control character (C0 with tab and newline, DEL, C1) shown as `?`, so a message
/// stays the one line it was meant to be and nothing typed reaches the terminal as an escape
/// sequence.
package enum PrintableText {
    package static func shown(_ word: String) -> String {
        guard word.unicodeScalars.contains(where: isControl) else { return word }
        var shown = ""
        shown.unicodeScalars.append(contentsOf: word.unicodeScalars.map { isControl($0) ? "?" : $0 })
        return shown
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// Visible ASCII, `!` to `~`: no control byte, no space, nothing beyond 0x7E. What a client
    /// id, an authorization code, a token and every URL we send anyone to are made of; a byte
    /// outside it could split a header or hide in a terminal.
    package static func isVisibleASCII(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }

    /// Every byte of `text` is visible ASCII (`isVisibleASCII(_:)`); true for empty text.
    package static func isVisibleASCII(_ text: some StringProtocol) -> Bool { text.utf8.allSatisfy(isVisibleASCII) }
}
