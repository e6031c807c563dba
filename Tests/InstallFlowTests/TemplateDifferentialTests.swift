import Testing

@testable import InstallFlow

/// Random templates and values of the characters that make byte-wise splitting and escaping hard
/// (braces beside combining marks, prepended marks, joiners, regional indicators, CR LF, the
/// replacement character a file's invalid UTF-8 becomes, the five escaped characters): `Template`
/// and `HTML.escape` give what the split by characters and the escaping by scalars they replaced
/// gave, for every one. A fixed seed, so a failure names a case that can be run again.
struct TemplateDifferentialTests {
    static let alphabet: [String] = [
        "{", "{", "{", "}", "}", "}", " ", "a", "n", "_", "Z", "&", "<", ">", "\"", "'", "\u{301}", "\u{600}",
        "\u{200D}", "\u{1F1E6}", "\u{1F600}", "\r", "\n", "\r\n", "\u{E9}", "\u{FFFD}", "\u{0}", "\u{93A}",
        "\u{1100}", "\u{1161}", "\u{FE0F}",
    ]

    /// SplitMix64: the same sequence on every run and machine.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func randomText(_ generator: inout Generator, length: Int) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...length, using: &generator) {
            text += alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]
        }
        return text
    }

    /// The split by characters `Template` replaced: the rendered page, or the error.
    static func referenceRender(_ text: String, _ values: [String: Template.Value]) -> Result<String, TemplateError> {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            out += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstRange(of: "}}") else { return .failure(.unclosedSlot) }
            let name = String(afterOpen[..<close.lowerBound]).trimmingSpaces()
            guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }) else {
                return .failure(.badSlotName)
            }
            switch values[name] {
            case .text(let value)?: out += TemplateTests.escapedByScalars(value)
            case .markup(let html)?: out += html
            case nil: break
            }
            rest = afterOpen[close.upperBound...]
        }
        out += rest
        return .success(out)
    }

    @Test func randomTemplatesRenderAsTheCharacterSplitDid() {
        var generator = Generator(state: 0x6875_6273_706F_7421)
        var mismatches = [String]()
        for _ in 0..<20_000 {
            let text = Self.randomText(&generator, length: 24)
            let value = Self.randomText(&generator, length: 12)
            let values: [String: Template.Value] = ["n": .text(value), "a_n": .text(value), "an": .markup(value)]
            let rendered: Result<String, TemplateError>
            do throws(TemplateError) {
                rendered = .success(try Template(text).render(values))
            } catch {
                rendered = .failure(error)
            }
            if rendered != Self.referenceRender(text, values) {
                mismatches.append(String(reflecting: text) + " with " + String(reflecting: value))
            }
            if HTML.escape(value) != TemplateTests.escapedByScalars(value) {
                mismatches.append("escape " + String(reflecting: value))
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count): \(mismatches.prefix(5))")
    }
}
