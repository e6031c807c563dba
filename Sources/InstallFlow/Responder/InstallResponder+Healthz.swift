/// `/healthz`: the same fixed answer every time, for a load balancer or a monitor; it touches
/// nothing (no hook, no marker, no template), so it says the process answers and no more.
extension InstallResponder {
    /// The health answer, built once by `init` and served as it is.
    static func healthResponse() -> Response {
        Response(
            status: 200,
            headers: Response.Header.security + [
                .init("Content-Type", "text/plain; charset=utf-8"),
                .init("Cache-Control", "no-store"),
            ],
            body: Array("ok\n".utf8), reason: .ok, route: .healthz
        ).prepared()
    }
}
