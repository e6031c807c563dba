import FastCGI
import InstallFlow

extension FuzzHarness {
    /// The `NAME=value` array libfcgi hands over for each request (and `environ` for CGI): entries
    /// are the input split at its zero bytes, as C strings end.
    static let fastCGIParameters = FuzzHarness("fastcgi-parameters") { bytes in
        var input = FuzzInput(bytes)
        // A small limit now and then, so the fuzzer crosses it at both of its edges.
        let small = input.bool()
        var limit = Parameters.requestLimit
        if small {
            limit.totalBytes = Int(input.byte())
            limit.count = Int(input.byte() % 16)
        }
        var entries = [[UInt8]]()
        while !input.isAtEnd { entries.append(input.field()) }

        // What the array means, written the plain way: the name is up to the first `=`, an entry
        // without one is skipped, the last value of a name wins, and a larger array is refused.
        var model = [String: String]()
        // The request's names are matched byte for byte (String equality is canonical equivalence:
        // U+212A KELVIN SIGN equals "K", so a dictionary would take "HTTP_COO\u{212A}IE" for the cookie).
        var exact = [[UInt8]: String]()
        var total = 0
        var fits = entries.count <= limit.count
        for entry in entries where fits {
            total += entry.count
            fits = total <= limit.totalBytes
            guard let equals = entry.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let value = String(decoding: entry[(equals + 1)...], as: UTF8.self)
            model[String(decoding: entry[..<equals], as: UTF8.self)] = value
            exact[Array(entry[..<equals])] = value
        }

        let strings = entries.map { entry in
            entry.withUnsafeBufferPointer { buffer in
                let copy = UnsafeMutablePointer<CChar>.allocate(capacity: buffer.count + 1)
                for (offset, byte) in buffer.enumerated() { copy[offset] = CChar(bitPattern: byte) }
                copy[buffer.count] = 0
                return copy
            }
        }
        defer { for string in strings { string.deallocate() } }
        var array: [UnsafeMutablePointer<CChar>?] = strings + [nil]
        array.withUnsafeMutableBufferPointer { array in
            let read = Parameters.read(array.baseAddress, limit: limit)
            check(read == (fits ? model : nil), "the parameters were misread")
            let request = Parameters.readRequest(array.baseAddress, limit: limit)
            check((request == nil) == !fits, "a request was read when its parameters were not, or the other way")
            if let request {
                func value(_ name: String) -> String? { exact[Array(name.utf8)] }
                let expected = Request(
                    method: value("REQUEST_METHOD"), requestURI: value("REQUEST_URI"), scriptName: value("SCRIPT_NAME"),
                    pathInfo: value("PATH_INFO"), queryString: value("QUERY_STRING"), cookieHeader: value("HTTP_COOKIE")
                )
                check(
                    request.request.method == expected.method && request.request.path == expected.path
                        && request.request.query == expected.query
                        && request.request.cookieHeader == expected.cookieHeader
                        && request.contentLength == value("CONTENT_LENGTH"),
                    "a request differs from the one its parameters describe")
            }
        }
    }
}
