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

    package var status: Int
    package var headers: [Header]
    package var body: [UInt8]
    /// The stable reason word of the log line (`ok`, `state_expired`, ...).
    package var reason: String
    /// The route name of the log line (`landing`, `authorize`, `callback`, ...), never the raw path.
    package var route: String
    /// The request id of the log line; the flow assigns it.
    package var requestID = ""
    /// Hook diagnostics for the log line (already truncated and redacted), empty if none.
    package var diagnostics = ""
    /// HEAD: headers (with the full Content-Length) but no body.
    package var omitsBody = false

    package init(status: Int, headers: [Header], body: [UInt8], reason: String, route: String) {
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

    /// The CGI/FastCGI response: `Status:` line, headers, blank line, body, as one buffer so the
    /// adapter writes it with one call.
    package func serialized() -> [UInt8] {
        var head = "Status: "
        head.reserveCapacity(512)
        head.append(String(status))
        head.append(" ")
        head.append(Response.reasonPhrase(status))
        head.append("\r\n")
        for header in headers {
            head.append(header.name)
            head.append(": ")
            head.append(header.value)
            head.append("\r\n")
        }
        head.append("Content-Length: ")
        head.append(String(body.count))
        head.append("\r\n\r\n")
        var out = [UInt8]()
        out.reserveCapacity(head.utf8.count + (omitsBody ? 0 : body.count))
        out.append(contentsOf: head.utf8)
        if !omitsBody { out.append(contentsOf: body) }
        return out
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
