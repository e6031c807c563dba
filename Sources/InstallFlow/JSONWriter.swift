/// Writes one flat JSON object in a fixed key order, for log lines and hook bodies.
/// Hand-written so the hot path needs no Foundation and the key order is stable.
package struct JSONWriter: Sendable {
    package private(set) var text = ""
    private var first = true

    package init() { text.reserveCapacity(256) }

    package mutating func beginObject() { text.append("{"); first = true }
    package mutating func endObject() { text.append("}") }

    package mutating func field(_ name: String, _ value: String) {
        key(name)
        appendString(value)
    }

    package mutating func field(_ name: String, _ value: Int64) {
        key(name)
        text.append(String(value))
    }

    package mutating func field(_ name: String, _ value: Int) { field(name, Int64(value)) }

    package mutating func field(_ name: String, _ values: [String]) {
        key(name)
        text.append("[")
        for (index, value) in values.enumerated() {
            if index > 0 { text.append(",") }
            appendString(value)
        }
        text.append("]")
    }

    private mutating func key(_ name: String) {
        if !first { text.append(",") }
        first = false
        appendString(name)
        text.append(":")
    }

    private mutating func appendString(_ value: String) {
        text.append("\"")
        // Log fields are almost always printable ASCII with nothing to escape: appended whole, they
        // cost a copy instead of a String append per scalar (most of the cost of an access-log line).
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            text.append(value)
            text.append("\"")
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text.append("\\\"")
            case "\\": text.append("\\\\")
            case "\n": text.append("\\n")
            case "\r": text.append("\\r")
            case "\t": text.append("\\t")
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}":
                text.append("\\u")
                let hex = String(scalar.value, radix: 16)
                text.append(String(repeating: "0", count: 4 - hex.count) + hex)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text.append("\"")
    }
}
