import InstallCrypto
import InstallFlow

extension FuzzHarness {
    /// The browser's `Cookie` header, read for the binding cookie, and the cookie we set read back.
    static let cookieHeader = FuzzHarness("cookie-header") { bytes in
        var input = FuzzInput(bytes)
        let cookie = BindingCookie(isHTTPS: input.bool(), ttl: 600)
        let value = input.bytes(BindingCookie.byteCount)
        let header = String(decoding: input.rest(), as: UTF8.self)

        switch cookie.find(in: header) {
        case .value(let found): check(found.count == BindingCookie.byteCount, "a binding of the wrong length was read")
        case .none, .duplicated: break
        case .malformed: check(header.contains(cookie.name + "="), "a cookie we were not sent was called malformed")
        }
        if !header.contains(cookie.name + "=") {
            check(cookie.find(in: header) == .none, "a binding was read from a header without our cookie")
        }
        check(cookie.find(in: nil) == .none, "a binding was read from no header")

        // The value we set, sent back among the header's other cookies (none of ours), is found again.
        let set = cookie.setCookie(value)
        let pair = set.prefix { $0 != ";" }
        let others = header.split(separator: ";").filter { !$0.contains(cookie.name) }.joined(separator: ";")
        let sent = others.isEmpty ? String(pair) : others + "; " + pair
        check(cookie.find(in: sent) == .value(value), "the cookie we set is not read back")
        _ = Base64URL.decode(header)
    }
}
