import InstallFlow

extension Response {
    /// The adapter's one answer of its own: parameters too large to read safely never reach the flow.
    /// It carries the headers every response carries and says nothing of the request.
    static func requestTooLarge() -> Response {
        Response(
            status: 400,
            headers: Response.Header.security + [
                Header("Content-Type", "text/plain; charset=utf-8"),
                Header("Cache-Control", "no-store"),
            ],
            body: Array("Bad request.\n".utf8),
            reason: .requestTooLarge,
            route: .notRouted
        )
    }
}
