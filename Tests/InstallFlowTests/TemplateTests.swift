import Testing

@testable import InstallFlow

/// Templates are split and values escaped by UTF-8 bytes; what they produce is what the search and
/// escaping by characters and scalars produced, checked here against those, non-ASCII text and
/// combining marks around the braces included.
struct TemplateTests {
    /// The escaping by scalars that `HTML.escape` replaced, kept as the reference.
    static func escapedByScalars(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static let texts = [
        "", "plain", "a & b", "<script>alert('x')</script>", "\"quoted\" & 'single'", "caf\u{E9} <b>",
        "e\u{301}&\u{301}<", "\u{1F600}>\u{1F600}", "&&&&", "\u{0}<\u{0}", "\r\n&\r\n",
        "Access named \u{201C}crm.objects.contacts.read\u{201D}",
    ]

    @Test(arguments: texts)
    func escapingMatchesTheScalarReference(text: String) {
        #expect(HTML.escape(text) == Self.escapedByScalars(text))
    }

    static let searched = [
        "", "{", "{{", "}}", "a{{b}}c", "{{{", "x{ {y", "\u{E9}{{n}}\u{E9}", "{{\u{301}n}}", "\u{600}{{n}}",
        "a\u{600}{{n}}{{m}}", "{{n}\u{301}}", "\u{1F1E6}{{\u{1F1E6}", "\r\n{{\r\n", "{{n}}\u{200D}",
        "\u{1F600}\u{200D}{{x}}", "{\u{301}{{x}}",
    ]

    @Test(arguments: searched)
    func searchMatchesCharacterSearch(text: String) {
        let substring = Substring(text)
        #expect(Template.firstRange(of: UInt8(ascii: "{"), in: substring) == substring.firstRange(of: "{{"))
        #expect(Template.firstRange(of: UInt8(ascii: "}"), in: substring) == substring.firstRange(of: "}}"))
        let tail = substring.dropFirst()
        #expect(Template.firstRange(of: UInt8(ascii: "{"), in: tail) == tail.firstRange(of: "{{"))
    }

    @Test func aTemplateRendersItsSlotsEscaped() throws {
        let template = try Template("<p>{{ app_name }}: {{message}}</p>\u{E9}{{title}}")
        #expect(template.slotNames == ["app_name", "message", "title"])
        let page = template.render(["app_name": .text("A & B"), "message": .markup("<b>x</b>"), "title": .text("\u{E9}'")])
        #expect(page == "<p>A &amp; B: <b>x</b></p>\u{E9}\u{E9}&#39;")
        #expect(throws: TemplateError.unclosedSlot) { try Template("a {{name") }
        #expect(throws: TemplateError.badSlotName) { try Template("a {{Name}}") }
    }
}
