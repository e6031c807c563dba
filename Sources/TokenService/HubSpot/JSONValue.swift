internal import Foundation

/// A JSON document as a plain value, for answers whose shape varies with the endpoint's version
/// (HubSpot's token and metadata endpoints): read what is there, ignore the rest.
enum JSONValue: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses a whole document, or nil if it is not JSON.
    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// A whole number, also when sent as a numeric string (ids are sometimes quoted).
    var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .number(let value): return value == value.rounded() && abs(value) < 9e15 ? Int64(value) : nil
        case .string(let text):
            // Digits with an optional minus, nothing `Int64(_:)` would also take (`+5`); too large is nil.
            let digits = text.hasPrefix("-") ? text.utf8.dropFirst() : text.utf8[...]
            guard (1...19).contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return Int64(text)
        default: return nil
        }
    }

    /// An array of strings, or a space-separated string (`scope` in RFC 6749 style).
    var words: [String]? {
        switch self {
        case .array(let items):
            let strings = items.compactMap(\.string)
            return strings.count == items.count ? strings : nil
        case .string(let text):
            return text.split(separator: " ").map(String.init)
        default:
            return nil
        }
    }
}
