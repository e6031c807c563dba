/// A strict reader for the one JSON object a hook prints on stdout, written here so the responder
/// needs no Foundation for it.
///
/// It accepts exactly RFC 8259 text whose top level is an object with distinct keys. Strings are
/// decoded (escapes, surrogate pairs, UTF-8 checked); an array holding only strings is kept as a
/// list; every other value (numbers, booleans, nested objects) is checked for form and then only
/// noted as "other", since no key a hook may print holds one. Nesting deeper than `depthLimit`
/// is refused, so hostile output cannot exhaust the stack. Indices only ever grow by one and are
/// compared with the byte count first, so nothing here can trap on the input.
struct HookJSON {
    enum Value: Equatable {
        case string(String)
        case strings([String])
        case null
        case other
    }

    /// The text is not one JSON object (or repeats a key).
    struct Malformed: Error {}

    static let depthLimit = 32

    private(set) var members: [String: Value] = [:]

    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) throws(Malformed) {
        self.bytes = bytes
        skipWhitespace()
        guard peek == UInt8(ascii: "{") else { throw Malformed() }
        index += 1
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                let key = try readString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                let value = try readValue(depth: 1)
                guard members.updateValue(value, forKey: key) == nil else { throw Malformed() }
                skipWhitespace()
                if peek == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "}"))
                break
            }
        }
        skipWhitespace()
        guard index == bytes.count else { throw Malformed() }
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func expect(_ byte: UInt8) throws(Malformed) {
        guard peek == byte else { throw Malformed() }
        index += 1
    }

    private mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func readValue(depth: Int) throws(Malformed) -> Value {
        guard depth <= Self.depthLimit, let byte = peek else { throw Malformed() }
        switch byte {
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "["): return try readArray(depth: depth)
        case UInt8(ascii: "{"):
            try skipObject(depth: depth)
            return .other
        case UInt8(ascii: "t"):
            try readLiteral("true")
            return .other
        case UInt8(ascii: "f"):
            try readLiteral("false")
            return .other
        case UInt8(ascii: "n"):
            try readLiteral("null")
            return .null
        default:
            try readNumber()
            return .other
        }
    }

    private mutating func readArray(depth: Int) throws(Malformed) -> Value {
        index += 1
        skipWhitespace()
        var strings: [String] = []
        var onlyStrings = true
        if peek == UInt8(ascii: "]") {
            index += 1
            return .strings([])
        }
        while true {
            skipWhitespace()
            switch try readValue(depth: depth + 1) {
            case .string(let text): strings.append(text)
            default: onlyStrings = false
            }
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "]"))
            return onlyStrings ? .strings(strings) : .other
        }
    }

    /// A nested object: checked, keys distinct, contents dropped.
    private mutating func skipObject(depth: Int) throws(Malformed) {
        index += 1
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return
        }
        var keys: Set<String> = []
        while true {
            skipWhitespace()
            guard keys.insert(try readString()).inserted else { throw Malformed() }
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            _ = try readValue(depth: depth + 1)
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"))
            return
        }
    }

    private mutating func readLiteral(_ word: String) throws(Malformed) {
        for byte in word.utf8 { try expect(byte) }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func readNumber() throws(Malformed) {
        if peek == UInt8(ascii: "-") { index += 1 }
        if peek == UInt8(ascii: "0") {
            index += 1
        } else {
            try readDigits()
        }
        if peek == UInt8(ascii: ".") {
            index += 1
            try readDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            try readDigits()
        }
    }

    private mutating func readDigits() throws(Malformed) {
        guard let first = peek, Self.isDigit(first) else { throw Malformed() }
        while let byte = peek, Self.isDigit(byte) { index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private mutating func readString() throws(Malformed) -> String {
        try expect(UInt8(ascii: "\""))
        var decoded: [UInt8] = []
        while true {
            guard let byte = peek else { throw Malformed() }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                // Raw bytes are copied as they came; the whole string must be valid UTF-8.
                guard let text = String(validating: decoded, as: UTF8.self) else { throw Malformed() }
                return text
            case UInt8(ascii: "\\"):
                try readEscape(into: &decoded)
            case 0x00..<0x20:
                throw Malformed()
            default:
                decoded.append(byte)
            }
        }
    }

    private mutating func readEscape(into decoded: inout [UInt8]) throws(Malformed) {
        guard let byte = peek else { throw Malformed() }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var value = try readHexQuad()
            if (0xD800...0xDBFF).contains(value) {
                // A high surrogate must be followed by an escaped low one; a lone half is refused.
                try expect(UInt8(ascii: "\\"))
                try expect(UInt8(ascii: "u"))
                let low = try readHexQuad()
                guard (0xDC00...0xDFFF).contains(low) else { throw Malformed() }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(value) {
                throw Malformed()
            }
            guard let scalar = Unicode.Scalar(value) else { throw Malformed() }
            decoded.append(contentsOf: String(Character(scalar)).utf8)
        default:
            throw Malformed()
        }
    }

    /// Four hex digits: at most 0xFFFF, so the surrogate arithmetic above stays far from overflow.
    private mutating func readHexQuad() throws(Malformed) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek else { throw Malformed() }
            index += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Malformed()
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
