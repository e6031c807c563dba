internal import InstallFlow

/// `application/x-www-form-urlencoded`, as HubSpot's token endpoints take their parameters.
enum FormBody {
    /// Every byte but the unreserved ones percent-encoded, so no value can smuggle a `&` or `=`.
    static func encode(_ fields: [(name: String, value: String)]) -> [UInt8] {
        var out = [UInt8]()
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            append(field.name, to: &out)
            out.append(UInt8(ascii: "="))
            append(field.value, to: &out)
        }
        return out
    }

    /// One value on its own (a query parameter of a URL), encoded the same way.
    static func percentEncoded(_ text: String) -> String {
        PercentEncoding.encode(text)
    }

    private static func append(_ text: String, to out: inout [UInt8]) {
        out.append(contentsOf: PercentEncoding.encode(text).utf8)
    }
}
