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
        while let open = rest.firstRange(of: "{{") {
            segments.append(.literal(String(rest[..<open.lowerBound])))
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstRange(of: "}}") else { throw TemplateError.unclosedSlot }
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

package enum TemplateError: Error, Equatable {
    case unclosedSlot
    case badSlotName
}
