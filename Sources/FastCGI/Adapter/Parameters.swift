internal import Glibc
package import InstallFlow

/// CGI/FastCGI parameters, read once into a dictionary in which the last value of a name wins.
///
/// nginx sends a name twice when a `fastcgi_param` overrides one from `fastcgi_params`, and means
/// the later one; `FCGX_GetParam` would return the first. Reading the whole array once also keeps
/// libfcgi's lookups out of the flow.
package enum Parameters {
    /// What a FastCGI request may carry: nginx bounds headers to 4 x 8 KiB by default, so 64 KiB
    /// leaves room for the fixed parameters and turns away only what no browser sends.
    package static let requestLimit = Limit(totalBytes: 64 * 1024, count: 512)
    /// A CGI program sees the whole process environment as well as the request.
    package static let environmentLimit = Limit(totalBytes: 1024 * 1024, count: 4096)

    package struct Limit: Sendable {
        package var totalBytes: Int
        package var count: Int
    }

    /// The names a FastCGI request is read for: those `Request` is built from, and `CONTENT_LENGTH`
    /// for the body the adapter discards. Every other parameter is counted against the limit but
    /// never turned into a `String`: building and hashing the twenty-odd names nginx sends cost more
    /// than the whole flow of a page.
    private enum Name {
        case requestURI, method, cookie, scriptName, pathInfo, queryString, contentLength

        /// Which of the names this is. The length rules out nearly every other parameter at once,
        /// and the candidates of a length are compared in place: no array is built per parameter.
        static func of(_ name: UnsafeRawBufferPointer) -> Name? {
            switch name.count {
            case 9: if Parameters.equal(name, "PATH_INFO") { return .pathInfo }
            case 11:
                if Parameters.equal(name, "REQUEST_URI") { return .requestURI }
                if Parameters.equal(name, "HTTP_COOKIE") { return .cookie }
                if Parameters.equal(name, "SCRIPT_NAME") { return .scriptName }
            case 12: if Parameters.equal(name, "QUERY_STRING") { return .queryString }
            case 14:
                if Parameters.equal(name, "REQUEST_METHOD") { return .method }
                if Parameters.equal(name, "CONTENT_LENGTH") { return .contentLength }
            default: break
            }
            return nil
        }
    }

    /// Where the values of the names above are, the last of each name kept: stored fields, not
    /// an array allocated per request, pointing into libfcgi's parameters (valid until the request
    /// is finished), so only the values the request needs become strings.
    private struct Values {
        var requestURI: UnsafeRawBufferPointer?
        var method: UnsafeRawBufferPointer?
        var cookie: UnsafeRawBufferPointer?
        var scriptName: UnsafeRawBufferPointer?
        var pathInfo: UnsafeRawBufferPointer?
        var queryString: UnsafeRawBufferPointer?
        var contentLength: UnsafeRawBufferPointer?

        mutating func set(_ name: Name, _ value: UnsafeRawBufferPointer) {
            switch name {
            case .requestURI: requestURI = value
            case .method: method = value
            case .cookie: cookie = value
            case .scriptName: scriptName = value
            case .pathInfo: pathInfo = value
            case .queryString: queryString = value
            case .contentLength: contentLength = value
            }
        }
    }

    /// One FastCGI request's parameters, straight into a `Request` (the last value of a name wins),
    /// and its `CONTENT_LENGTH`. Nil when the parameters are larger than `limit`: the caller rejects
    /// the request rather than act on a part of it.
    package static func readRequest(
        _ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, limit: Limit
    ) -> (request: Request, contentLength: String?)? {
        var values = Values()
        let complete = scan(array, limit: limit) { name, value in
            if let name = Name.of(name) { values.set(name, value) }
        }
        guard complete else { return nil }
        func string(_ bytes: UnsafeRawBufferPointer?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
        let requestURI = string(values.requestURI)
        // `Request` reads SCRIPT_NAME, PATH_INFO and QUERY_STRING only without a REQUEST_URI
        // (nginx and Apache always send one).
        let fallback = requestURI?.isEmpty ?? true
        let request = Request(
            method: string(values.method), requestURI: requestURI,
            scriptName: fallback ? string(values.scriptName) : nil, pathInfo: fallback ? string(values.pathInfo) : nil,
            queryString: fallback ? string(values.queryString) : nil, cookieHeader: string(values.cookie))
        return (request, string(values.contentLength))
    }

    /// Reads a `NAME=value` array terminated by a null pointer (libfcgi's `envp`, or `environ`) into
    /// a dictionary. Returns nil when the array is larger than `limit`.
    package static func read(
        _ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, limit: Limit
    ) -> [String: String]? {
        var parameters = [String: String]()
        parameters.reserveCapacity(40)
        let complete = scan(array, limit: limit) { name, value in
            parameters[String(decoding: name, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
        }
        return complete ? parameters : nil
    }

    /// Calls `body` with the name and value bytes of every entry, in order; false when the array
    /// is larger than `limit` (and `body` has seen only a part of it).
    private static func scan(
        _ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, limit: Limit,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void
    ) -> Bool {
        guard let array else { return true }
        var total = 0
        var index = 0
        while let entry = array[index] {
            index += 1
            guard index <= limit.count else { return false }
            let length = strlen(entry)
            // Compared before adding: `total` never exceeds the limit, so the subtraction cannot wrap.
            guard length <= limit.totalBytes - total else { return false }
            total += length
            // An entry without `=` is no parameter; the name is up to the first `=`, the value may hold more.
            guard let found = memchr(entry, Int32(UInt8(ascii: "=")), length) else { continue }
            let equals = UnsafeRawPointer(found) - UnsafeRawPointer(entry)
            body(
                UnsafeRawBufferPointer(start: entry, count: equals),
                UnsafeRawBufferPointer(start: UnsafeRawPointer(found) + 1, count: length - equals - 1))
        }
        return true
    }

    /// Whether `bytes` are exactly `name` (an ASCII literal, so a static string's bytes in place).
    fileprivate static func equal(_ bytes: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        name.withUTF8Buffer { literal in
            literal.count == bytes.count && memcmp(literal.baseAddress!, bytes.baseAddress!, bytes.count) == 0
        }
    }

    /// The process environment, read the same way (last value wins), for configuration and CGI mode.
    package static func processEnvironment() -> [String: String] {
        read(environ, limit: Limit(totalBytes: .max, count: .max)) ?? [:]
    }
}
