/// One request as the web server describes it: only what the flow reads, nothing else kept.
package struct Request: Sendable {
    package var method: String
    /// The path of `REQUEST_URI`, still percent-encoded: routes match it exactly.
    package var path: String
    /// The query of `REQUEST_URI` (after the first `?`), still percent-encoded; empty if none.
    package var query: String
    /// The raw `Cookie` header, if any.
    package var cookieHeader: String?

    package init(method: String, path: String, query: String = "", cookieHeader: String? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.cookieHeader = cookieHeader
    }

    /// Builds a request from CGI/FastCGI parameters. Routing uses `REQUEST_URI`, which nginx and
    /// Apache fill alike, not `SCRIPT_NAME`/`PATH_INFO`, which they do not.
    package init(parameters: [String: String]) {
        self.init(
            method: parameters["REQUEST_METHOD"], requestURI: parameters["REQUEST_URI"],
            scriptName: parameters["SCRIPT_NAME"], pathInfo: parameters["PATH_INFO"],
            queryString: parameters["QUERY_STRING"], cookieHeader: parameters["HTTP_COOKIE"])
    }

    /// The same from the only parameters the flow reads, for an adapter
    /// that picks them out itself rather than build a dictionary per request.
    package init(
        method: String?, requestURI: String?, scriptName: String?, pathInfo: String?, queryString: String?,
        cookieHeader: String?
    ) {
        var uri: String
        if let requestURI, !requestURI.isEmpty {
            uri = requestURI
        } else {
            // A bare CGI server may leave REQUEST_URI out.
            let path = (scriptName ?? "") + (pathInfo ?? "")
            let query = queryString ?? ""
            uri = query.isEmpty ? path : path + "?" + query
        }
        // Searched in the contiguous bytes (a String.UTF8View search goes through its index type).
        if let offset = uri.withUTF8({ $0.firstIndex(of: UInt8(ascii: "?")) }) {
            let mark = uri.utf8.index(uri.utf8.startIndex, offsetBy: offset)
            path = String(uri[..<mark])
            query = String(uri[uri.index(after: mark)...])
        } else {
            path = uri
            query = ""
        }
        self.method = method ?? "GET"
        self.cookieHeader = cookieHeader
    }
}
