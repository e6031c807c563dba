/// Writes one flat JSON object in a fixed key order, for log lines and hook bodies.
/// Hand-written so the hot path needs no Foundation and the key order is stable.
package struct JSONWriter: Sendable {
    /// The object as UTF-8 bytes: built as bytes, because a log line is written for every request
    /// and String appends cost more than the rest of it.
    package private(set) var bytes = [UInt8]()
    private var first = true

    package init() { bytes.reserveCapacity(256) }

    package var text: String { String(decoding: bytes, as: UTF8.self) }

    package mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        first = true
    }

    package mutating func endObject() { bytes.append(UInt8(ascii: "}")) }

    package mutating func field(_ name: String, _ value: String) {
        key(name)
        appendString(value)
    }

    package mutating func field(_ name: String, _ value: Int64) {
        key(name)
        appendDecimal(value)
    }

    package mutating func field(_ name: String, _ value: Int) { field(name, Int64(value)) }

    /// A value the caller knows is printable ASCII without `"` or `\\` (a route name, a reason
    /// word, a request id, a timestamp): copied without looking at each byte.
    package mutating func field(_ name: String, plainASCII value: String) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.appendUTF8(value)
        bytes.append(UInt8(ascii: "\""))
    }

    package mutating func field(_ name: String, _ values: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            appendString(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Keys are the writer's callers' own constants: plain ASCII, copied as they are.
    private mutating func key(_ name: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        bytes.appendUTF8(name)
        bytes.appendASCII("\":")
    }

    private mutating func appendDecimal(_ value: Int64) { Self.appendDecimal(value, to: &bytes) }

    private mutating func appendString(_ value: String) { Self.appendString(value, to: &bytes) }

    /// `value` in decimal, as JSON writes a number.
    static func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 {
            bytes.append(contentsOf: String(value).utf8)
            return
        }
        if value >= 10 { appendDecimal(value / 10, to: &bytes) }
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// `value` as a JSON string: quoted, and escaped where it must be.
    static func appendString(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        // Log fields are almost always printable ASCII with nothing to escape: copied whole.
        var plain = true
        for byte in value.utf8
        where byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            plain = false
            break
        }
        if plain {
            bytes.appendUTF8(value)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": bytes.append(contentsOf: "\\\"".utf8)
            case "\\": bytes.append(contentsOf: "\\\\".utf8)
            case "\n": bytes.append(contentsOf: "\\n".utf8)
            case "\r": bytes.append(contentsOf: "\\r".utf8)
            case "\t": bytes.append(contentsOf: "\\t".utf8)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}":
                let hex = String(scalar.value, radix: 16)
                bytes.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default: bytes.append(contentsOf: String(scalar).utf8)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
