internal import InstallCrypto

/// What the success page may say about the install that just finished: the account and the
/// optional scopes it did not grant. It travels from the callback to `/installed` in a short-lived
/// signed cookie, so the page can name the account without anything being reflected from the URL.
package struct InstallReceipt: Sendable, Equatable {
    package var account: String
    package var ungrantedOptionalScopes: [String]
    package var issuedAt: Int64

    package static let label = Array("hubspot-install receipt v1\u{0}".utf8)
    static let lifetime: Int64 = 600
    static let maximumFieldBytes = 512

    /// `version | issued-at (8) | account length (2) | account | scopes length (2) | scopes | tag (32)`,
    /// base64url; signed with the first state key.
    func sealed(with key: StateKey) -> String? {
        let account = Array(account.utf8)
        let scopes = Array(ungrantedOptionalScopes.joined(separator: " ").utf8)
        guard account.count <= Self.maximumFieldBytes, scopes.count <= Self.maximumFieldBytes else { return nil }
        var bytes: [UInt8] = [1]
        withUnsafeBytes(of: UInt64(bitPattern: issuedAt).bigEndian) { bytes.append(contentsOf: $0) }
        for field in [account, scopes] {
            bytes.append(UInt8(field.count >> 8))
            bytes.append(UInt8(field.count & 0xFF))
            bytes.append(contentsOf: field)
        }
        bytes.append(contentsOf: HMAC<SHA256>.authenticationCode(for: Self.label + bytes, using: key.key).bytes)
        return Base64URL.encode(bytes)
    }

    package static func open(_ text: String, keys: [StateKey], now: Int64) -> InstallReceipt? {
        guard text.utf8.count <= 2048, let bytes = Base64URL.decode(text), bytes.count > 1 + 8 + 2 + 2 + 32,
            bytes[0] == 1
        else { return nil }
        let body = Array(bytes[..<(bytes.count - 32)])
        let tag = bytes[(bytes.count - 32)...]
        guard
            keys.contains(where: {
                HMAC<SHA256>.isValidAuthenticationCode(tag, authenticating: label + body, using: $0.key)
            })
        else { return nil }
        var issued: UInt64 = 0
        for byte in body[1..<9] { issued = issued << 8 | UInt64(byte) }
        var index = 9
        var fields = [String]()
        for _ in 0..<2 {
            guard index + 2 <= body.count else { return nil }
            let length = Int(body[index]) << 8 | Int(body[index + 1])
            index += 2
            guard index + length <= body.count,
                let text = String(validating: body[index..<(index + length)], as: UTF8.self)
            else { return nil }
            fields.append(text)
            index += length
        }
        let issuedAt = Int64(bitPattern: issued)
        // Compared, never subtracted: `now` is ours, the issued-at is whatever 8 bytes came in.
        guard index == body.count, issuedAt >= now - lifetime, issuedAt <= now + 60 else { return nil }
        return InstallReceipt(
            account: fields[0], ungrantedOptionalScopes: fields[1].split(separator: " ").map(String.init),
            issuedAt: issuedAt)
    }
}
