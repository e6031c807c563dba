import InstallFlow
import Testing

@testable import FastCGI

/// The answers the adapters (FastCGI and CGI) build themselves, without the flow.
struct AdapterResponseTests {
    @Test func parametersTooLargeToReadAreRefusedWithEverySecurityHeader() {
        let response = Response.requestTooLarge()
        #expect(response.status == 400)
        for header in Response.Header.security {
            #expect(response.headers.filter { $0.name == header.name } == [header], "\(header.name)")
        }
        #expect(response.headers.contains(Response.Header("X-Frame-Options", "DENY")))
        #expect(response.headers.contains(Response.Header("Cache-Control", "no-store")))
        #expect(response.reason == .requestTooLarge)
    }
}
