extension Response.Header {
    /// The headers every response carries, whoever builds it (every route of the flow and the
    /// adapters' own answers): no sniffing of a type, no referrer, nothing loaded or framed but our
    /// own styles and images, and no form posted anywhere.
    package static let security: [Response.Header] = [
        .init("X-Content-Type-Options", "nosniff"),
        .init("Referrer-Policy", "no-referrer"),
        .init(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
        ),
        .init("X-Frame-Options", "DENY"),
    ]
}
