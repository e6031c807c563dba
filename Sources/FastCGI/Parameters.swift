internal import Glibc

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

    /// Reads a `NAME=value` array terminated by a null pointer (libfcgi's `envp`, or `environ`).
    /// Returns nil when the array is larger than `limit`: the caller rejects the request rather
    /// than act on a part of it.
    static func read(_ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, limit: Limit) -> [String: String]? {
        var parameters = [String: String]()
        guard let array else { return parameters }
        parameters.reserveCapacity(40)
        var total = 0
        var index = 0
        while let entry = array[index] {
            index += 1
            guard index <= limit.count else { return nil }
            let length = strlen(entry)
            total += length
            guard total <= limit.totalBytes else { return nil }
            let bytes = UnsafeRawBufferPointer(start: entry, count: length)
            // An entry without `=` is no parameter; the name is up to the first `=`, the value may hold more.
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = String(decoding: bytes[..<equals], as: UTF8.self)
            let value = String(decoding: bytes[(equals + 1)...], as: UTF8.self)
            parameters[name] = value
        }
        return parameters
    }

    /// The process environment, read the same way (last value wins), for configuration and CGI mode.
    package static func processEnvironment() -> [String: String] {
        read(environ, limit: Limit(totalBytes: .max, count: .max)) ?? [:]
    }
}
