internal import InstallCrypto
internal import InstallFlow

/// The stored form of a token sealed with a `TokenKey`:
///
///     sealed:v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>
///
/// ChaCha20-Poly1305 with a random 12-byte nonce per value. The associated data binds the format
/// version, the key id, the row's hub id and the column (access or refresh), so a value copied to
/// another row or the other column, or relabelled with another key id, does not open. A value
/// without the `sealed:` prefix is a token stored in clear (before keys were configured) and is
/// used as it is; HubSpot's tokens never begin with that word.
package enum SealedToken {
    package static let prefix = "sealed:"
    static let version = "v1"
    /// A nonce and a tag (an empty token between them): nothing shorter was sealed by us.
    static let minimumPayloadByteCount = ChaCha20Poly1305.nonceByteCount + ChaCha20Poly1305.tagByteCount
    /// Far beyond any HubSpot token; a longer stored value is refused before it is decoded.
    static let maximumTextLength = 16 * 1024

    /// Which column of the row a value is stored in; part of what the tag covers.
    package enum Field: String, Sendable, CaseIterable {
        case access
        case refresh
    }

    /// Whether `stored` is in the sealed form (well-formed or not), rather than a token in clear.
    package static func isSealed(_ stored: String) -> Bool { stored.hasPrefix(prefix) }

    /// The key id of a sealed value, if it has a well-formed one (for rekey and messages).
    package static func keyID(of stored: String) -> String? {
        guard isSealed(stored) else { return nil }
        let parts = stored.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard parts.count == 4, let id = String(parts[2]), isWellFormedKeyID(id) else { return nil }
        return id
    }

    /// `token` sealed with `key` for column `field` of row `hubID`.
    package static func seal(_ token: String, hubID: Int64, field: Field, key: TokenKey) -> String {
        let nonce = SecureRandom.bytes(count: ChaCha20Poly1305.nonceByteCount)
        let associatedData = Self.associatedData(keyID: key.id, hubID: hubID, field: field)
        // Cannot fail: the key is 32 bytes, the nonce 12, and a token is far below the length limit.
        guard
            let sealed = try? ChaCha20Poly1305.seal(
                Array(token.utf8), key: key.key, nonce: nonce, authenticating: associatedData)
        else { fatalError("ChaCha20-Poly1305 refused a token key or nonce") }
        return prefix + version + ":" + key.id + ":" + Base64URL.encode(nonce + sealed.ciphertext + sealed.tag)
    }

    /// The token a stored value holds: a value in clear as it is, a sealed one opened with the key
    /// its id names.
    /// - Throws: `SealedTokenError` naming the hub id, the column and (when well-formed) the key
    ///   id, never any part of the value.
    package static func open(_ stored: String, hubID: Int64, field: Field, keys: [TokenKey]) throws(SealedTokenError)
        -> String
    {
        guard isSealed(stored) else { return stored }
        func failure(_ problem: SealedTokenError.Problem, _ keyID: String? = nil) -> SealedTokenError {
            SealedTokenError(problem: problem, hubID: hubID, field: field, keyID: keyID)
        }
        guard stored.utf8.count <= maximumTextLength else { throw failure(.malformed) }
        let parts = stored.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard parts.count == 4 else { throw failure(.malformed) }
        guard let version = String(parts[1]), version == Self.version else { throw failure(.unknownVersion) }
        guard let keyID = String(parts[2]), isWellFormedKeyID(keyID) else { throw failure(.malformed) }
        guard let payloadText = String(parts[3]), let payload = Base64URL.decode(payloadText),
            payload.count >= minimumPayloadByteCount
        else { throw failure(.malformed, keyID) }
        guard !keys.isEmpty else { throw failure(.noKeys, keyID) }
        guard let key = keys.first(where: { $0.id == keyID }) else { throw failure(.unknownKey, keyID) }
        let nonce = payload.prefix(ChaCha20Poly1305.nonceByteCount)
        let ciphertext = payload.dropFirst(ChaCha20Poly1305.nonceByteCount).dropLast(ChaCha20Poly1305.tagByteCount)
        let tag = payload.suffix(ChaCha20Poly1305.tagByteCount)
        let plaintext: [UInt8]
        do {
            plaintext = try ChaCha20Poly1305.open(
                ciphertext, tag: tag, key: key.key, nonce: nonce,
                authenticating: associatedData(keyID: keyID, hubID: hubID, field: field))
        } catch {
            throw failure(.doesNotOpen, keyID)
        }
        // We seal only text; anything else was not sealed by us, whatever its tag.
        guard let token = String(validating: plaintext, as: UTF8.self) else { throw failure(.doesNotOpen, keyID) }
        return token
    }

    /// Label, version, key id (fixed length), hub id (8 bytes big-endian), column: every part has
    /// a fixed length or comes last, so no two bindings share associated data.
    static func associatedData(keyID: String, hubID: Int64, field: Field) -> [UInt8] {
        var data = Array("hubspot-install sealed token\u{0}".utf8)
        data += Array(version.utf8) + [0] + Array(keyID.utf8) + [0]
        withUnsafeBytes(of: hubID.bigEndian) { data += $0 }
        data += Array(field.rawValue.utf8)
        return data
    }

    static func isWellFormedKeyID(_ id: String) -> Bool {
        id.utf8.count == TokenKey.idLength && Base64URL.decode(id) != nil
    }
}

/// Why a stored token could not be opened: what, which row and column, and the key id it names;
/// never the value.
package struct SealedTokenError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Problem: Sendable, Equatable {
        /// `sealed:` but not `sealed:v1:<8-character id>:<base64url>` of a plausible length.
        case malformed
        /// A format version this program does not know (written by a newer one).
        case unknownVersion
        /// Sealed, but no `INSTALL_TOKEN_KEYS` is configured.
        case noKeys
        /// Sealed with a key whose id is not among `INSTALL_TOKEN_KEYS`.
        case unknownKey
        /// The key is there but the tag does not match: the value was changed, or moved from
        /// another row or column.
        case doesNotOpen
        /// In clear, or opened, but not a token as HubSpot issues them (empty, too long, a space
        /// or a control character): never handed out (`SealedTokenStore`).
        case notAToken
        /// In clear while `INSTALL_TOKENS_IN_CLEAR=refuse` (`SealedTokenStore`).
        case inClear
    }

    package var problem: Problem
    package var hubID: Int64
    package var field: SealedToken.Field
    package var keyID: String?

    package var description: String {
        let what = "hub \(hubID): the stored \(field.rawValue) token"
        let key = keyID.map { "key id \($0)" } ?? "an unreadable key id"
        switch problem {
        case .malformed: return "\(what) starts with `sealed:` but is not a well-formed sealed value"
        case .unknownVersion: return "\(what) is sealed in a format this version of hubspot-install does not know"
        case .noKeys: return "\(what) is sealed with \(key), but \(Setting.tokenKeys) is not set"
        case .unknownKey: return "\(what) is sealed with \(key), which is not among \(Setting.tokenKeys)"
        case .doesNotOpen:
            return "\(what) does not open with \(key): it was changed, or copied from another row or column"
        case .inClear:
            return "\(what) is in clear, and \(Setting.tokensInClear)=refuse (a row from before the keys is "
                + "sealed by `tokens rekey` without that setting)"
        case .notAToken:
            let held =
                keyID.map { "is sealed with key id \($0) and holds no token" } ?? "is in clear and is not a token"
            return "\(what) \(held) as HubSpot issues them (1 to 4096 printable ASCII characters, no spaces)"
        }
    }
}
