/// One answer, plus what the access log says of it.
package struct Response: Sendable {
    package struct Header: Sendable, Equatable {
        package var name: String
        package var value: String
        package init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    package var status: Int { didSet { wire = nil } }
    package var headers: [Header] { didSet { wire = nil } }
    package var body: [UInt8] { didSet { wire = nil } }
    /// The reason word of the log line.
    package var reason: Reason
    /// The route name of the log line.
    package var route: Route
    /// The request id of the log line; the flow assigns it.
    package var requestID = ""
    /// Hook diagnostics for the log line (already truncated and redacted), empty if none.
    package var diagnostics = ""
    /// HEAD: headers (with the full Content-Length) but no body.
    package var omitsBody = false
    /// The serialized bytes of a response that is the same for every request (a page), made once
    /// by `prepared()`; any change to what goes on the wire drops them.
    private var wire: Wire?

    private final class Wire: Sendable {
        let full: [UInt8]
        let head: [UInt8]
        init(full: [UInt8], head: [UInt8]) {
            self.full = full
            self.head = head
        }
    }

    package init(status: Int, headers: [Header], body: [UInt8], reason: Reason, route: Route) {
        self.status = status
        self.headers = headers
        self.body = body
        self.reason = reason
        self.route = route
    }

    package func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.last { $0.name.lowercased() == lowered }?.value
    }

    /// This response with its bytes serialized ahead, for one that is answered again and again.
    package func prepared() -> Response {
        var copy = self
        copy.omitsBody = false
        let full = copy.serialized()
        copy.omitsBody = true
        let head = copy.serialized()
        copy.omitsBody = omitsBody
        copy.wire = Wire(full: full, head: head)
        return copy
    }

    /// The CGI/FastCGI response: `Status:` line, headers, blank line, body, as one buffer so the
    /// adapter writes it with one call. Built as bytes into one allocation of exactly the right
    /// size, each piece copied whole: this runs for every request (but a prepared page's bytes are
    /// only copied out).
    package func serialized() -> [UInt8] {
        if let wire { return omitsBody ? wire.head : wire.full }
        let reason = Response.reasonPhrase(status)
        let statusText = String(status)
        let lengthText = String(body.count)
        let bodyCount = omitsBody ? 0 : body.count
        var capacity = "Status:  \r\nContent-Length: \r\n\r\n".utf8.count + statusText.utf8.count + reason.utf8.count
            + lengthText.utf8.count + bodyCount
        for header in headers { capacity += header.name.utf8.count + header.value.utf8.count + 4 }
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var writer = ByteWriter(buffer)
            writer.put("Status: ")
            writer.put(statusText)
            writer.put(" ")
            writer.put(reason)
            writer.put("\r\n")
            for header in headers {
                writer.put(header.name)
                writer.put(": ")
                writer.put(header.value)
                writer.put("\r\n")
            }
            writer.put("Content-Length: ")
            writer.put(lengthText)
            writer.put("\r\n\r\n")
            if !omitsBody { body.withUnsafeBufferPointer { writer.put($0) } }
            count = writer.count
        }
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 204: "No Content"
        case 302: "Found"
        case 303: "See Other"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 414: "URI Too Long"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
