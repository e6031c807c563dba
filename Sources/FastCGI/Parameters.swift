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
    private enum Name: Int, CaseIterable {
        case requestURI, method, cookie, scriptName, pathInfo, queryString, contentLength

        static let bytes: [[UInt8]] = [
            "REQUEST_URI", "REQUEST_METHOD", "HTTP_COOKIE", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
            "CONTENT_LENGTH",
        ].map { Array($0.utf8) }

        /// Which of the names this is; the length rules out nearly every other parameter at once.
        static func index(of name: UnsafeRawBufferPointer) -> Int? {
            let candidates: [Name]
            switch name.count {
            case 9: candidates = [.pathInfo]
            case 11: candidates = [.requestURI, .cookie, .scriptName]
            case 12: candidates = [.queryString]
            case 14: candidates = [.method, .contentLength]
            default: return nil
            }
            return candidates.first { Parameters.equal(bytes[$0.rawValue], name) }?.rawValue
        }
    }

    /// One FastCGI request's parameters, straight into a `Request` (the last value of a name wins),
    /// and its `CONTENT_LENGTH`. Nil when the parameters are larger than `limit`: the caller rejects
    /// the request rather than act on a part of it.
    package static func readRequest(
        _ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, limit: Limit
    ) -> (request: Request, contentLength: String?)? {
        var values = [String?](repeating: nil, count: Name.allCases.count)
        let complete = scan(array, limit: limit) { name, value in
            guard let index = Name.index(of: name) else { return }
            values[index] = String(decoding: value, as: UTF8.self)
        }
        guard complete else { return nil }
        let request = Request(
            method: values[Name.method.rawValue], requestURI: values[Name.requestURI.rawValue],
            scriptName: values[Name.scriptName.rawValue], pathInfo: values[Name.pathInfo.rawValue],
            queryString: values[Name.queryString.rawValue], cookieHeader: values[Name.cookie.rawValue])
        return (request, values[Name.contentLength.rawValue])
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
            let bytes = UnsafeRawBufferPointer(start: entry, count: length)
            // An entry without `=` is no parameter; the name is up to the first `=`, the value may hold more.
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { continue }
            body(
                UnsafeRawBufferPointer(rebasing: bytes[..<equals]),
                UnsafeRawBufferPointer(rebasing: bytes[(equals + 1)...]))
        }
        return true
    }

    fileprivate static func equal(_ name: [UInt8], _ bytes: UnsafeRawBufferPointer) -> Bool {
        name.count == bytes.count
            && name.withUnsafeBytes { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
    }

    /// The process environment, read the same way (last value wins), for configuration and CGI mode.
    package static func processEnvironment() -> [String: String] {
        read(environ, limit: Limit(totalBytes: .max, count: .max)) ?? [:]
    }
}
