/// A word from the command line (a path, an address) as it may appear in an error message: every
/// control character (C0 with tab and newline, DEL, C1) shown as `?`, so a message stays the one
/// line it was meant to be and nothing typed reaches the terminal as an escape sequence.
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
}
