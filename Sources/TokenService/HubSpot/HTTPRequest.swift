/// One HTTP request of a hook: small, with its body in memory.
struct HTTPRequest: Sendable {
    var method: String
    var url: String
    /// Sent as given; `User-Agent` is added.
    var headers: [String: String]
    var body: [UInt8]
}
