import Testing

@testable import InstallFlow

/// `Response.serialized` counts the bytes of every piece before it copies them into one buffer of
/// exactly that size: these responses put multi-byte UTF-8 and long values in every piece, so a
/// count that differed from the copy would trap or leave bytes out.
struct ResponseSerializationTests {
    static func expected(_ response: Response, head: Bool) -> [UInt8] {
        var text = "Status: \(response.status) \(Response.reasonPhrase(response.status))\r\n"
        for header in response.headers { text += header.name + ": " + header.value + "\r\n" }
        text += "Content-Length: \(response.body.count)\r\n\r\n"
        return Array(text.utf8) + (head ? [] : response.body)
    }

    static let responses: [Response] = [
        Response(
            status: 302,
            headers: [
                .init("Location", "https://app.example/" + String(repeating: "é☃😀", count: 3_000)),
                .init("X-Note", "ü"), .init("X-Empty", ""),
            ],
            body: Array("Grüße 😀".utf8), reason: .ok, route: .authorize),
        Response(status: 200, headers: [], body: [], reason: .ok, route: .healthz),
        Response(status: 599, headers: [.init("X", String(repeating: "a", count: 100_000))], body: [0, 255],
                 reason: .ok, route: .other),
    ]

    // By index: a response's description would print its 100,000-byte header.
    @Test(arguments: responses.indices)
    func everyPieceIsCountedAsItIsCopied(index: Int) {
        let response = Self.responses[index]
        #expect(response.serialized() == Self.expected(response, head: false))
        var head = response
        head.omitsBody = true
        #expect(head.serialized() == Self.expected(response, head: true))
        #expect(response.prepared().serialized() == Self.expected(response, head: false))
    }
}
