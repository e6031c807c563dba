internal import InstallCrypto

/// The `Install-Signature` header of a webhook post (docs/hooks.md):
/// `t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<body>">`.
///
/// The timestamp is inside the MAC, so a receiver that rejects old timestamps also rejects
/// replays; the `.` cannot occur in the decimal `t`, so the split between time and body is
/// unambiguous. `v1` names the scheme, leaving room for a second one during a key or algorithm
/// change.
struct WebhookSignature: Sendable {
    private let key: SymmetricKey

    init(key: [UInt8]) { self.key = SymmetricKey(data: key) }

    func header(body: [UInt8], time: Int64) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(time).".utf8) + body, using: key)
        return "t=\(time),v1=\(Self.hex(mac.bytes))"
    }

    private static let digits = Array("0123456789abcdef".utf8)

    static func hex(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
        return String(decoding: out, as: UTF8.self)
    }
}
