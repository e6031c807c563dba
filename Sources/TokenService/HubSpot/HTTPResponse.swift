/// The answer to an `HTTPRequest`; a redirect is an answer like any other (never followed).
struct HTTPResponse: Sendable {
    var status: Int
    /// Names lower-cased.
    var headers: [String: String]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}
