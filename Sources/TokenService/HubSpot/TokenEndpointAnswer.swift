internal import InstallFlow

/// What HubSpot's token endpoint gave for a code (docs/hubspot.md), the tokens kept in redacted
/// wrappers from the moment they are parsed.
struct IssuedTokens: Sendable {
    var accessToken: Secret
    var refreshToken: Secret
    var expiresIn: Int64?
    var tokenType: String
    /// Absent in answers from before August 2025: then the metadata endpoint is asked.
    var hubID: Int64?
    var scopes: [String]?
    /// Sent by the newer endpoints; the installing user.
    var userID: Int64?
    var user: String?
}

/// What HubSpot's metadata (or introspection) endpoint says about an access token.
struct TokenMetadata: Sendable, Equatable {
    var hubID: Int64? = nil
    var hubDomain: String? = nil
    var scopes: [String]? = nil
    var user: String? = nil
    var userID: Int64? = nil
    var appID: Int64? = nil
    /// `signed_access_token.hublet` of the introspection: the account's data-centre region.
    var hublet: String? = nil
}

/// Reads the answers of HubSpot's token and metadata endpoints, and turns every error form of
/// docs/hubspot.md into a `HookFailure` the user can act on.
///
/// A failure's detail names the HTTP status and HubSpot's status word (`BAD_CLIENT_SECRET`), never
/// the body: error bodies are free text, and a token endpoint that echoes its input would put the
/// code or the secret into the log.
enum TokenEndpointAnswer {
    /// The token set in a 200 answer, or the failure that the answer amounts to.
    ///
    /// A 200 without a non-empty `access_token` (or `refresh_token`) is `providerUnavailable`, like
    /// malformed JSON: HubSpot answered, but not usefully, and the operator can do nothing about it;
    /// the user is told to try again.
    static func tokens(from response: HTTPResponse) throws(HookFailure) -> IssuedTokens {
        guard response.status == 200 else { throw failure(status: response.status, body: response.body) }
        guard let json = JSONValue.parse(response.body), case .object = json else {
            throw HookFailure(
                .providerUnavailable, detail: "HubSpot answered 200 with something that is not a JSON object")
        }
        guard let access = token(json["access_token"]) else {
            throw HookFailure(
                .providerUnavailable, detail: "HubSpot answered 200 without an access_token (or an unusable one)")
        }
        guard let refresh = token(json["refresh_token"]) else {
            throw HookFailure(
                .providerUnavailable, detail: "HubSpot answered 200 without a refresh_token (or an unusable one)")
        }
        let scopes = json["scopes"]?.words ?? json["scope"]?.words
        return IssuedTokens(
            accessToken: Secret(access), refreshToken: Secret(refresh),
            expiresIn: json["expires_in"]?.integer.flatMap { longestLifetime.contains($0) ? $0 : nil },
            tokenType: json["token_type"]?.string.flatMap(safeWord) ?? "bearer",
            hubID: positiveID(json["hub_id"]), scopes: scopes, userID: positiveID(json["user_id"]),
            user: json["user"]?.string.flatMap(email))
    }

    /// The account facts of a metadata (`GET /oauth/v1/access-tokens/…`) or introspection
    /// (`POST /oauth/2026-03/token/introspect`) answer.
    static func metadata(from response: HTTPResponse) throws(HookFailure) -> TokenMetadata {
        guard response.status == 200 else {
            throw failure(status: response.status, body: response.body, what: "metadata")
        }
        guard let json = JSONValue.parse(response.body), case .object = json else {
            throw HookFailure(.providerUnavailable, detail: "HubSpot's token metadata is not a JSON object")
        }
        if json["active"] == .bool(false) {
            throw HookFailure(.providerUnavailable, detail: "HubSpot says the new access token is not active")
        }
        return TokenMetadata(
            hubID: positiveID(json["hub_id"]), hubDomain: json["hub_domain"]?.string.flatMap(hostName),
            scopes: json["scopes"]?.words ?? json["scope"]?.words,
            user: json["user"]?.string.flatMap(email), userID: positiveID(json["user_id"]),
            appID: positiveID(json["app_id"]),
            hublet: (json["signed_access_token"]?["hublet"] ?? json["hublet"])?.string.flatMap(hublet))
    }

    /// A token as HubSpot issues it: printable ASCII without spaces, 1...4096 bytes, not beginning
    /// with `sealed:`. Anything else would be printed by `access-token` and put into an
    /// `Authorization` header, or read back as a broken sealed value, so an answer holding it is
    /// unusable rather than stored. Shared by the install and the refresh readers.
    static func token(_ value: JSONValue?) -> String? {
        guard let text = value?.string, isWellFormedToken(text) else { return nil }
        return text
    }

    /// The rule of `token(_:)` on text: also what a stored token must be to be handed out. Never
    /// beginning with `sealed:` (HubSpot's tokens do not), so a token stored in clear is never
    /// taken for a sealed value (`SealedToken`) when it is read back.
    static func isWellFormedToken(_ text: String) -> Bool {
        (1...4096).contains(text.utf8.count) && PrintableText.isVisibleASCII(text)
            && !text.hasPrefix(SealedToken.prefix)
    }

    /// An account, user or app id: a positive whole number, as a JSON integer or a quoted string of
    /// digits. Negative, zero, fractional or oversized values are unknown.
    static func positiveID(_ value: JSONValue?) -> Int64? {
        switch value {
        case .integer(let id)?: return id > 0 ? id : nil
        case .string(let text)?:
            guard (1...19).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let id = Int64(text), id > 0
            else { return nil }
            return id
        default: return nil
        }
    }

    /// A host name: LDH labels of 1...63 bytes joined by dots, at most 253 bytes, no label starting or
    /// ending with a hyphen. It is listed and shown on the success page, so nothing else passes.
    static func hostName(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard (1...253).contains(bytes.count) else { return nil }
        for label in bytes.split(separator: 0x2E, omittingEmptySubsequences: false) {
            guard (1...63).contains(label.count), label.first != 0x2D, label.last != 0x2D,
                label.allSatisfy({ isLetterOrDigit($0) || $0 == 0x2D })
            else { return nil }
        }
        return text
    }

    /// A data-centre region (`na1`, `eu1`): lower-case letters and digits only.
    static func hublet(_ text: String) -> String? {
        guard (1...40).contains(text.utf8.count),
            text.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) })
        else { return nil }
        return text
    }

    /// The installing user's e-mail address as listed: printable ASCII without spaces, 1...320 bytes.
    static func email(_ text: String) -> String? {
        guard (1...320).contains(text.utf8.count), PrintableText.isVisibleASCII(text) else {
            return nil
        }
        return text
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }

    /// A name or e-mail address fit for a row and a listing: printable, one line, not huge.
    static func shortText(_ text: String) -> String? {
        guard (1...320).contains(text.utf8.count),
            text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
        else { return nil }
        return text
    }

    /// The `expires_in` believed: HubSpot's access tokens live 30 minutes, so a lifetime of zero,
    /// below or beyond a year is nonsense, and is stored as an unknown expiry rather than added to a
    /// clock (where `Int64.max` seconds would overflow).
    static let longestLifetime: ClosedRange<Int64> = 1...(366 * 86_400)

    /// Status words that mean the code is spent: expired, already used, or never issued.
    static let codeWords: Set<String> = ["BAD_AUTH_CODE", "EXPIRED_AUTH_CODE"]
    /// Status words that mean the operator's configuration is wrong; trying again will not help.
    static let operatorWords: Set<String> = [
        "BAD_CLIENT_ID", "BAD_CLIENT_SECRET", "BAD_REDIRECT_URI", "BAD_GRANT_TYPE", "BAD_REFRESH_TOKEN",
        "BAD_SCOPES",
    ]

    /// The failure an error answer amounts to. Legacy `status` words are more precise than RFC 6749
    /// `error` words (HubSpot sends `invalid_grant` for a mismatched redirect_uri too), so they
    /// decide first.
    static func failure(status: Int, body: [UInt8], what: String = "token endpoint") -> HookFailure {
        let json = JSONValue.parse(body)
        let statusWord = json?["status"]?.string.flatMap(knownWord)
        let errorWord = json?["error"]?.string.flatMap(knownWord)
        let category = json?["category"]?.string.flatMap(knownWord)
        func said(_ word: String) -> String { "HubSpot's \(what) answered \(status): HubSpot said \(word)" }

        if status >= 500 { return HookFailure(.providerUnavailable, detail: "HubSpot's \(what) answered \(status)") }
        if status == 429 {
            return HookFailure(.providerUnavailable, detail: "HubSpot's \(what) answered 429 (rate limited)")
        }
        if (300..<400).contains(status) {
            return HookFailure(
                .failed, detail: "HubSpot's \(what) answered a redirect \(status); check \(Setting.tokenURL)")
        }
        if let word = statusWord, codeWords.contains(word) { return HookFailure(.codeRejected, detail: said(word)) }
        if let word = statusWord, operatorWords.contains(word) { return HookFailure(.failed, detail: said(word)) }
        if errorWord == "invalid_grant" { return HookFailure(.codeRejected, detail: said("invalid_grant")) }
        if let word = category ?? errorWord ?? statusWord { return HookFailure(.failed, detail: said(word)) }
        if (200..<300).contains(status) {
            return HookFailure(.providerUnavailable, detail: "HubSpot's \(what) answered \(status) instead of 200")
        }
        return HookFailure(.failed, detail: "HubSpot's \(what) answered \(status)\(json == nil ? " (not JSON)" : "")")
    }

    /// Every word of HubSpot's error answers that may be repeated in a log line or on stderr: its
    /// legacy `status` words, RFC 6749's `error` codes and its `category` words. Anything else, even
    /// an identifier-shaped one, is not repeated: a token endpoint that echoes what it was sent
    /// (a misconfigured URL, a proxy, a bug) would otherwise put the client secret or a refresh
    /// token, both identifier-shaped, into the log.
    static let knownWords: Set<String> = codeWords.union(operatorWords).union([
        "error", "BAD_REQUEST", "INVALID_AUTHENTICATION", "EXPIRED_AUTHENTICATION", "MISSING_SCOPES",
        "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
        "invalid_scope", "access_denied", "server_error", "temporarily_unavailable", "unsupported_token_type",
        "VALIDATION_ERROR", "OBJECT_NOT_FOUND", "RATE_LIMITS", "UNAUTHORIZED", "FORBIDDEN", "CONFLICT",
    ])

    /// A word of an error answer, if it is one of `knownWords`.
    static func knownWord(_ text: String) -> String? {
        knownWords.contains(text) ? text : nil
    }

    /// A status word fit for the log: a short identifier, nothing that could be a token or prose.
    static func safeWord(_ text: String) -> String? {
        guard (1...40).contains(text.utf8.count) else { return nil }
        let allowed = text.utf8.allSatisfy { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x5F || byte == 0x2E || byte == 0x2D
        }
        return allowed ? text : nil
    }
}
