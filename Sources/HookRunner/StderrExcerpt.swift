import InstallFlow

/// A hook's stderr made fit for one log line: at most 1,000 bytes of valid UTF-8 with control and
/// format characters made visible (no forged log lines, no terminal escapes, no bidi tricks), and
/// every copy of the authorization code replaced by `<redacted>`.
///
/// Redaction runs on the whole capture before the cut, so a code straddling byte 1,000 cannot
/// leave its first half behind, and it looks for the code in every spelling a hook is likely to
/// echo: raw, escaped as in the JSON body it was sent, with `\/` as some JSON encoders write it,
/// and percent-encoded as in a form body or URL.
enum StderrExcerpt {
    static let byteLimit = 1_000
    private static let marker = Array("<redacted>".utf8)
    private static let ellipsis = Array("…".utf8)

    /// `truncated`: the capture was cut at its limit, so it may end inside a copy of the code.
    static func render(_ stderr: [UInt8], redacting code: AuthorizationCode, truncated: Bool = false) -> String {
        let text = String(decoding: stderr, as: UTF8.self).trimmingWhitespace()
        let visibleText = visible(text)
        var masked = [Bool](repeating: false, count: visibleText.count)
        for form in spellings(of: code) {
            let needle = visible(form)
            markOccurrences(of: needle, in: visibleText, mask: &masked)
            if truncated { markCutCopy(of: needle, in: visibleText, mask: &masked) }
        }

        var excerpt: [UInt8] = []
        excerpt.reserveCapacity(min(visibleText.count, byteLimit))
        var index = 0
        while index < visibleText.count {
            if masked[index] {
                excerpt += marker
                while index < visibleText.count && masked[index] { index += 1 }
            } else {
                excerpt.append(visibleText[index])
                index += 1
            }
        }
        if excerpt.count > byteLimit {
            var cut = byteLimit - ellipsis.count
            while cut > 0 && excerpt[cut] & 0xC0 == 0x80 { cut -= 1 }  // not inside a UTF-8 sequence
            excerpt = Array(excerpt[..<cut]) + ellipsis
        }
        return String(decoding: excerpt, as: UTF8.self)
    }

    /// The code as a hook might print it. The JSON spelling comes from the same writer as
    /// `AuthorizationGrant.jsonBody()`, so it matches the bytes the hook was given.
    private static func spellings(of code: AuthorizationCode) -> Set<String> {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("", code.value)
        writer.endObject()
        let jsonEscaped = String(writer.text.dropFirst(#"{"":""#.count).dropLast(#""}"#.count))
        let percentEncoded = code.value.utf8.map { byte in
            isUnreserved(byte) ? String(UnicodeScalar(byte)) : "%" + hexByte(byte)
        }.joined()
        let spellings: Set = [code.value, jsonEscaped, jsonEscaped.replacing("/", with: #"\/"#), percentEncoded]
        return spellings.filter { !$0.isEmpty }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    /// UTF-8 of `text` with newlines, tabs and every control, format or separator character written
    /// as an escape, so the excerpt stays one inert line wherever the log is read.
    private static func visible(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": bytes += Array(#"\n"#.utf8)
            case "\r": bytes += Array(#"\r"#.utf8)
            case "\t": bytes += Array(#"\t"#.utf8)
            default:
                switch scalar.properties.generalCategory {
                case .control, .format, .lineSeparator, .paragraphSeparator:
                    bytes += Array("\\u{\(String(scalar.value, radix: 16, uppercase: true))}".utf8)
                default:
                    bytes += Array(String(scalar).utf8)
                }
            }
        }
        return bytes
    }

    /// Marks the end of `haystack` where it is the start of `needle`: the first bytes of a copy
    /// that the capture's limit cut off, which a whole-copy search cannot find.
    private static func markCutCopy(of needle: [UInt8], in haystack: [UInt8], mask: inout [Bool]) {
        var length = min(needle.count - 1, haystack.count)
        while length > 0 {
            if haystack[(haystack.count - length)...].elementsEqual(needle[..<length]) {
                for position in (haystack.count - length)..<haystack.count { mask[position] = true }
                return
            }
            length -= 1
        }
    }

    /// Marks every occurrence of `needle`, overlapping ones included, in linear time
    /// (Knuth–Morris–Pratt): the code comes from the request and the text from the hook, and a
    /// naive search over 64 KiB with a 512-byte code can be made quadratic by either.
    private static func markOccurrences(of needle: [UInt8], in haystack: [UInt8], mask: inout [Bool]) {
        guard !needle.isEmpty else { return }
        var fallback = [Int](repeating: 0, count: needle.count)
        var matched = 0
        for index in needle.indices.dropFirst() {
            while matched > 0 && needle[index] != needle[matched] { matched = fallback[matched - 1] }
            if needle[index] == needle[matched] { matched += 1 }
            fallback[index] = matched
        }

        matched = 0
        var markedThrough = 0  // marks never repeat, so overlapping matches stay linear too
        for (index, byte) in haystack.enumerated() {
            while matched > 0 && byte != needle[matched] { matched = fallback[matched - 1] }
            if byte == needle[matched] { matched += 1 }
            if matched == needle.count {
                let start = max(index + 1 - needle.count, markedThrough)
                for position in start...index { mask[position] = true }
                markedThrough = index + 1
                matched = fallback[matched - 1]
            }
        }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
