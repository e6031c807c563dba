/// A page template from `INSTALL_PUBLIC_DIR`, split once at start into text and `{{name}}` slots,
/// so rendering never parses.
package struct Template: Sendable {
    /// A value for a slot: text is escaped; markup is HTML the flow built itself from escaped parts.
    package enum Value: Sendable {
        case text(String)
        case markup(String)
    }

    private enum Segment: Sendable {
        case literal(String)
        case slot(String)
    }

    private let segments: [Segment]
    package let slotNames: Set<String>

    /// Nil (with the offending slot's name) when a `{{` is not closed or names something empty.
    package init(_ text: String) throws(TemplateError) {
        var segments = [Segment]()
        var names = Set<String>()
        var rest = Substring(text)
        while let open = Self.firstRange(of: UInt8(ascii: "{"), in: rest) {
            segments.append(.literal(String(rest[..<open.lowerBound])))
            let afterOpen = rest[open.upperBound...]
            guard let close = Self.firstRange(of: UInt8(ascii: "}"), in: afterOpen) else {
                throw TemplateError.unclosedSlot
            }
            let name = String(afterOpen[..<close.lowerBound]).trimmingSpaces()
            guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }) else {
                throw TemplateError.badSlotName
            }
            segments.append(.slot(name))
            names.insert(name)
            rest = afterOpen[close.upperBound...]
        }
        segments.append(.literal(String(rest)))
        self.segments = segments
        slotNames = names
    }

    /// Where `{{` (or `}}`) first occurs in `text` as two whole characters, as `firstRange(of:)`
    /// would find it, but searched for in UTF-8 bytes: the generic search by characters was a
    /// quarter of the instructions a CGI process ran. A brace pair that is not two characters of its
    /// own (a combining mark after the second brace, a prepended mark before the first) is not a
    /// match there either, so such a pair is skipped here too.
    static func firstRange(of brace: UInt8, in text: Substring) -> Range<String.Index>? {
        let utf8 = text.utf8
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let next = utf8.index(after: index)
            if utf8[index] == brace, next != utf8.endIndex, utf8[next] == brace {
                let end = utf8.index(after: next)
                if isCharacterBoundary(index, in: text), isCharacterBoundary(end, in: text) {
                    return index..<end
                }
            }
            index = next
        }
        return nil
    }

    /// Whether a character of `text` starts (or `text` ends) at `index`, counted from `text`'s start.
    private static func isCharacterBoundary(_ index: String.Index, in text: Substring) -> Bool {
        if index == text.startIndex || index == text.endIndex { return true }
        // Grapheme breaking looks at one scalar on each side only for these rules; the cheap case
        // (ASCII on both sides, which is not a prepended mark nor an extending one) is decided at once.
        let before = text.unicodeScalars[text.unicodeScalars.index(before: index)]
        let after = text.unicodeScalars[index]
        if before.isASCII && after.isASCII && !(before == "\r" && after == "\n") { return true }
        // Otherwise: a boundary is where cutting the text splits no character in two.
        return text[..<index].count + text[index...].count == text.count
    }

    package func render(_ values: [String: Value]) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .literal(let text): out += text
            case .slot(let name):
                switch values[name] {
                case .text(let text)?: out += HTML.escape(text)
                case .markup(let html)?: out += html
                case nil: break
                }
            }
        }
        return out
    }
}
