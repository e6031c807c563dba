/// Reads the named parameters of a raw query, strictly: the query is bounded before any decoding,
/// each value we read is percent-decoded once, and a parameter we read given twice is refused
/// (which copy would a web server, a proxy and we each pick?). Every other parameter is skipped
/// without being decoded, so it is never read and never shown. Names match exactly.
package enum QueryParameters {
    /// Longer queries are refused before any work is done on them.
    package static let maximumLength = 4096

    package enum Failure: Error, Sendable, Equatable {
        case tooLarge
        case malformed
        /// The name that came twice.
        case duplicated(String)
    }

    /// Values as given; an empty value is kept (empty), so it still counts for the duplicate check.
    package static func parse(_ query: String, reading names: [String]) -> Result<[String: String], Failure> {
        guard query.utf8.count <= maximumLength else { return .failure(.tooLarge) }
        var query = query
        return query.withUTF8 { parse(bytes: $0, names: names) }
    }

    private static func parse(bytes: UnsafeBufferPointer<UInt8>, names: [String]) -> Result<[String: String], Failure> {
        var result = [String: String]()
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "&") { end += 1 }
            defer { start = end + 1 }
            if end == start { continue }
            var equals = start
            while equals < end && bytes[equals] != UInt8(ascii: "=") { equals += 1 }
            let rawName = UnsafeBufferPointer(rebasing: bytes[start..<equals])
            let rawValue = UnsafeBufferPointer(rebasing: bytes[min(equals + 1, end)..<end])
            guard let name = CallbackQuery.percentDecode(rawName) else { return .failure(.malformed) }
            guard names.contains(name) else { continue }
            guard result[name] == nil else { return .failure(.duplicated(name)) }
            guard let value = CallbackQuery.percentDecode(rawValue) else { return .failure(.malformed) }
            result[name] = value
        }
        return .success(result)
    }
}
