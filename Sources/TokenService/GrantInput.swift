package import InstallFlow

/// The grant as `hubspot-install` hands it to `hubspot-install-tokens hook ...` on stdin: the JSON
/// object of the exec-hook protocol. Keys this version does not use are ignored, so the responder
/// can add keys before the token program reads them.
package enum GrantInput {
    /// Why the input was refused, in words that never quote it (it holds the code).
    package struct Rejection: Error, Sendable {
        package var detail: String
    }

    /// The most stdin may hold; the responder sends well under a kilobyte.
    package static let byteLimit = 64 * 1024

    /// The grant's `install_id`, when it has a well-formed one: base64url, at most 128 characters
    /// (the responder sends 43). Anything else is treated as absent: the install then goes ahead
    /// without deduplication rather than failing.
    package static func installID(from bytes: [UInt8]) -> String? {
        guard bytes.count <= byteLimit, let value = JSONValue.parse(bytes)?["install_id"]?.string,
            (1...128).contains(value.utf8.count),
            value.utf8.allSatisfy({ byte in
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                    || byte == 0x2D || byte == 0x5F
            })
        else { return nil }
        return value
    }

    package static func grant(from bytes: [UInt8]) throws(Rejection) -> AuthorizationGrant {
        guard bytes.count <= byteLimit else { throw Rejection(detail: "the grant on stdin is too large") }
        guard let json = JSONValue.parse(bytes), case .object = json else {
            throw Rejection(detail: "stdin is not a JSON object")
        }
        func string(_ key: String) throws(Rejection) -> String {
            guard let value = json[key]?.string, !value.isEmpty else {
                throw Rejection(detail: "the grant has no \(key)")
            }
            return value
        }
        func strings(_ key: String) throws(Rejection) -> [String] {
            guard case .array(let items)? = json[key] else { throw Rejection(detail: "the grant has no \(key) list") }
            let words = items.compactMap(\.string)
            guard words.count == items.count else { throw Rejection(detail: "\(key) holds something not a string") }
            return words
        }
        guard case .integer(let issuedAt)? = json["issued_at"] else {
            throw Rejection(detail: "the grant has no whole-number issued_at")
        }
        // Present only with PKCE: the exchange must then carry it, or HubSpot refuses the code.
        let verifier: Secret?
        switch json["code_verifier"] {
        case nil, .null?: verifier = nil
        case .string(let value)? where isVerifier(value): verifier = Secret(value)
        default: throw Rejection(detail: "the grant's code_verifier is not a PKCE verifier")
        }
        return AuthorizationGrant(
            code: AuthorizationCode(try string("code")), redirectURI: try string("redirect_uri"),
            clientID: try string("client_id"), scopes: try strings("scopes"),
            optionalScopes: try strings("optional_scopes"), issuedAt: issuedAt, requestID: try string("request_id"),
            flow: json["flow"]?.string.flatMap(AuthorizationGrant.Flow.init(rawValue:)) ?? .install,
            installID: installID(from: bytes) ?? "", codeVerifier: verifier)
    }

    /// RFC 7636's verifier alphabet and length: 43 to 128 of `A-Z a-z 0-9 - . _ ~`.
    static func isVerifier(_ value: String) -> Bool {
        (43...128).contains(value.utf8.count)
            && value.utf8.allSatisfy { byte in
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                    || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            }
    }
}
