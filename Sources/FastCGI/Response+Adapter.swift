import InstallFlow

extension Response {
    /// The adapter's one answer of its own: parameters too large to read safely never reach the flow.
    /// It carries the headers every response carries (docs/design.md) and says nothing of the request.
    static func requestTooLarge() -> Response {
        Response(
            status: 400,
            headers: [
                Header("Content-Type", "text/plain; charset=utf-8"),
                Header("Cache-Control", "no-store"),
                Header("X-Content-Type-Options", "nosniff"),
                Header("Referrer-Policy", "no-referrer"),
                Header(
                    "Content-Security-Policy",
                    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
                ),
            ],
            body: Array("Bad request.\n".utf8),
            reason: "request_too_large",
            route: "none"
        )
    }
}
