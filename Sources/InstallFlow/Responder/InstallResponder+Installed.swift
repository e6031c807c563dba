/// `/installed`: the success page, and the receipt cookie that lets it name the account.
extension InstallResponder {
    private var receiptCookieName: String { cookie.name + "-receipt" }

    /// The success page; it names the account when the browser brings the receipt of its install.
    func installed(_ request: Request) -> Response {
        let values = CookieHeader.values(named: receiptCookieName, in: request.cookieHeader)
        guard values.count == 1,
            let receipt = InstallReceipt.open(values[0], keys: configuration.stateKeys, now: environment.now())
        else { return page(.installed, route: .installed) }
        return Response(
            status: Page.installed.status, headers: Self.headers(of: .installed, cacheControl: "no-store"),
            body: pages.installed(receipt), reason: .ok, route: .installed)
    }

    /// A receipt cookie for the success page, when the hook told us something worth showing.
    func receiptCookie(_ outcome: HookOutcome, now: Int64) -> Response.Header? {
        guard outcome.account != nil || !outcome.ungrantedOptionalScopes.isEmpty else { return nil }
        let receipt = InstallReceipt(
            account: outcome.account ?? "", ungrantedOptionalScopes: outcome.ungrantedOptionalScopes, issuedAt: now)
        guard let sealed = receipt.sealed(with: configuration.stateKeys[0]) else { return nil }
        return .init(
            "Set-Cookie",
            receiptCookieName + "=" + sealed + "; Max-Age=\(InstallReceipt.lifetime); Path=/; HttpOnly; SameSite=Lax"
                + (configuration.isHTTPS ? "; Secure" : ""))
    }
}
