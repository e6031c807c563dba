import InstallFlow

extension FuzzHarness {
    /// The absolute URLs an operator configures (redirect URI, success URL, HubSpot's endpoints).
    static let urlParts = FuzzHarness("url-parts") { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        guard let parts = URLParts(text) else { return }
        check(!parts.scheme.isEmpty && parts.scheme == parts.scheme.lowercased(), "a scheme is empty or not lowercased")
        check(!parts.host.isEmpty && parts.host == parts.host.lowercased(), "a host is empty or not lowercased")
        check(parts.path.hasPrefix("/"), "a path does not start with /")
        check(parts.port.map { (1...65535).contains($0) } ?? true, "a port is out of range")
        check(
            !parts.host.unicodeScalars.contains { !$0.isASCII || $0.value <= 0x20 || $0 == "/" || $0 == "@" },
            "a host holds a byte that ends or hides one")
        _ = parts.isLoopback
        _ = parts.isIPAddress
    }
}
