internal import Glibc
import InstallFlow

extension FuzzHarness {
    /// A whole request through the responder: any method, path, query and cookie header, or a
    /// callback carrying a genuine state and binding (taken from a real `/oauth/authorize`) next to
    /// whatever else the input holds, followed to `/installed` when it succeeds.
    static let responder = FuzzHarness("responder") { bytes in
        let fuzz = ResponderUnderFuzz.shared
        var input = FuzzInput(bytes)
        let genuine = input.bool()
        let methods = ["GET", "GET", "HEAD", "POST", "OPTIONS"]
        let methodPick = input.byte()
        let method = methodPick < 0xF0 ? methods[Int(methodPick) % methods.count] : input.text()
        let paths = ["/", "/oauth/authorize", fuzz.configuration.callbackPath, "/installed", "/healthz"]
        let pathPick = input.byte()
        let path = pathPick < 0xF0 ? paths[Int(pathPick) % paths.count] : input.text()
        var query = input.text()
        let cookie = input.bool() ? input.text() : nil
        let redirect = input.text()
        let accounts = ["", "12345678", "acme.hubspot.com", "<script>alert(1)</script>", "Ünïcödé & \"quotes\""]
        let account = accounts[Int(input.byte()) % accounts.count]
        let failures: [HookFailure.Kind] = [.failed, .timedOut, .codeRejected, .providerUnavailable]
        let failurePick = input.byte()
        fuzz.hookWillAnswer(
            failurePick < 0xC0
                ? .success(
                    HookOutcome(
                        redirect: redirect.isEmpty ? nil : redirect, account: account.isEmpty ? nil : account,
                        ungrantedOptionalScopes: failurePick & 1 == 1 ? ["automation"] : []))
                : .failure(HookFailure(failures[Int(failurePick) % failures.count], detail: "fuzz")))

        var cookieHeader = cookie
        if genuine {
            let start = fuzz.responder.respond(to: Request(method: "GET", path: "/oauth/authorize"))
            checkResponse(start, query: "")
            guard let location = start.header("Location"), let setCookie = start.header("Set-Cookie"),
                let state = location.split(separator: "&").first(where: { $0.hasPrefix("state=") })
            else { return check(false, "authorize did not give a state and a cookie") }
            let pair = setCookie.prefix { $0 != ";" }
            cookieHeader = cookie.map { $0 + "; " + pair } ?? String(pair)
            query = input.bool() ? query + "&" + state : state + "&" + query
        }
        let request = Request(
            method: genuine ? "GET" : method, path: genuine ? fuzz.configuration.callbackPath : path, query: query,
            cookieHeader: cookieHeader)
        let response = fuzz.responder.respond(to: request)
        checkResponse(response, query: query)

        // A finished install leaves a receipt; the success page names the account, escaped.
        if let receipt = response.headers.first(where: { $0.name == "Set-Cookie" && $0.value.contains("-receipt=") }) {
            let installed = fuzz.responder.respond(
                to: Request(method: "GET", path: "/installed", cookieHeader: String(receipt.value.prefix { $0 != ";" }))
            )
            checkResponse(installed, query: "")
            if account.contains("<") {
                check(!contains(installed.body, Array(account.utf8)), "an account was put into the page unescaped")
            }
        }
    }

    /// What holds for every response, whatever the request: a status, headers that cannot split,
    /// and a body that says nothing the request said.
    private static func checkResponse(_ response: Response, query: String) {
        check((100...599).contains(response.status), "a status out of range")
        for header in response.headers {
            check(
                !header.name.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
                    && !header.value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 },
                "a header holds CR, LF or NUL")
        }
        guard !response.body.isEmpty else { return }
        let pageText = ResponderUnderFuzz.shared.pageText
        // Each value of the query, raw and decoded; short ones are ordinary words of any page.
        var values = [Array(query.utf8)]
        for pair in query.split(separator: "&") {
            let value = pair.drop { $0 != "=" }.dropFirst()
            values.append(Array(value.utf8))
            if let decoded = Array(value.utf8).withUnsafeBufferPointer({ CallbackQuery.percentDecode($0) }) {
                values.append(Array(decoded.utf8))
            }
        }
        for value in values where value.count >= 12 && contains(response.body, value) {
            check(contains(pageText, value), "a response body repeats the request's query")
        }
    }

    /// Whether `needle` occurs in `haystack`: a plain scan with memcmp over the buffers, as the
    /// generic collection search is slow enough on page-sized bodies to cut the fuzzer's speed tenfold.
    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { needle in
                let first = needle[0]
                for start in 0...(hay.count - needle.count) where hay[start] == first {
                    if memcmp(hay.baseAddress! + start, needle.baseAddress!, needle.count) == 0 { return true }
                }
                return false
            }
        }
    }
}
