internal import Foundation
internal import Glibc
package import InstallFlow

/// The built-in `hubspot` hook (docs/hooks.md): exchanges the code at HubSpot's token endpoint
/// (docs/hubspot.md) and stores the token set in the `TokenStore`, keyed by `hub_id`.
///
/// The token answer normally names `hub_id` and the granted `scopes`; when it does not (answers
/// from before August 2025), the token's metadata is asked, and then it must answer. It is also
/// asked, briefly and best-effort, for the account's domain, which the success page shows.
/// Metadata comes from `POST /oauth/2026-03/token/introspect` on the token URL's host, which keeps
/// the token in the body. The older `GET /oauth/v1/access-tokens/<token>` is never asked: it puts
/// the token in a URL (and so in proxies' logs) and HubSpot ends it on 2027-02-16.
///
/// The code is single-use, so the token request is never retried: a retry after a lost answer
/// would only earn `BAD_AUTH_CODE`. One deadline (`INSTALL_TOKEN_HOOK_TIMEOUT`) covers every
/// request of an exchange.
package struct HubSpotExchangeHook: TokenHook {
    package let tokenURL: String
    package let timeout: Double
    private let clientSecret: Secret
    private let store: any TokenStore
    private let client: HTTPClient
    private let now: @Sendable () -> Int64

    /// The most a best-effort metadata request (for the domain only) may add to an install.
    static let metadataGrace: Double = 3

    package init(
        tokenURL: String, clientSecret: Secret, timeout: Double, store: any TokenStore,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.tokenURL = tokenURL
        self.clientSecret = clientSecret
        self.timeout = timeout
        self.store = store
        self.client = HTTPClient()
        self.now = now
    }

    package func exchange(_ grant: AuthorizationGrant) throws(HookFailure) -> HookOutcome {
        try exchange(grant, installID: nil)
    }

    /// Exchanges the code once per `installID`: the same install delivered twice (two responders
    /// behind one load balancer, a repeated request) claims the id in the store first, and the
    /// second delivery waits for the first one's outcome and reports it instead of spending the
    /// code again. Without an install id every call exchanges.
    package func exchange(_ grant: AuthorizationGrant, installID: String?) throws(HookFailure) -> HookOutcome {
        guard let installID, !installID.isEmpty else { return try exchangeOnce(grant, installID: nil).outcome }
        let deadline = Deadline(secondsFromNow: timeout)
        // An exchange is over (or killed) within `timeout`; a claim much older than that is a dead claimer's.
        let staleAfter = Int64(timeout.rounded(.up)) * 2 + 60
        while true {
            if try claimStep({ () throws(TokenStoreError) in
                try store.claim(installID: installID, at: now(), staleAfter: staleAfter)
            }) {
                let result: (outcome: HookOutcome, hubID: Int64)
                do {
                    result = try exchangeOnce(grant, installID: installID)
                } catch {
                    // Let a duplicate try: with the code unspent it can still succeed, and if it
                    // was spent the duplicate learns so from HubSpot.
                    try? store.releaseClaim(installID: installID)
                    throw error
                }
                let outcome = InstallClaim.Outcome(
                    hubID: result.hubID, account: result.outcome.account ?? "HubSpot account \(result.hubID)",
                    ungrantedOptionalScopes: result.outcome.ungrantedOptionalScopes)
                try claimStep { () throws(TokenStoreError) in
                    try store.finishClaim(installID: installID, outcome: outcome, at: now())
                }
                return result.outcome
            }
            let claim = try claimStep { () throws(TokenStoreError) in try store.claimState(installID: installID) }
            if let outcome = claim?.outcome {
                return HookOutcome(account: outcome.account, ungrantedOptionalScopes: outcome.ungrantedOptionalScopes)
            }
            if claim != nil {
                guard deadline.remainingSeconds > Self.claimPoll else {
                    throw HookFailure(
                        .providerUnavailable, detail: "another exchange of this install_id did not finish in time")
                }
                usleep(UInt32(Self.claimPoll * 1e6))
            }
            // No claim any more: the other delivery failed and gave it up; claim it ourselves.
        }
    }

    /// Seconds between looks at a claim another delivery holds.
    static let claimPoll: Double = 0.05

    private func claimStep<T>(_ body: () throws(TokenStoreError) -> T) throws(HookFailure) -> T {
        do {
            return try body()
        } catch {
            throw Self.storeFailure(error)
        }
    }

    /// A store that cannot be reached (its server down) is "try again", like HubSpot not answering;
    /// any other store failure is "failed".
    static func storeFailure(_ error: TokenStoreError) -> HookFailure {
        HookFailure(error.unavailable ? .providerUnavailable : .failed, detail: "token store: \(error.detail)")
    }

    private func exchangeOnce(_ grant: AuthorizationGrant, installID: String?) throws(HookFailure)
        -> (outcome: HookOutcome, hubID: Int64)
    {
        let deadline = Deadline(secondsFromNow: timeout)
        var fields = [
            ("grant_type", "authorization_code"), ("client_id", grant.clientID),
            ("client_secret", clientSecret.value), ("redirect_uri", grant.redirectURI), ("code", grant.code.value),
        ]
        // Present only when our authorize URL carried the matching challenge (HUBSPOT_PKCE=S256).
        if let verifier = grant.codeVerifier { fields.append(("code_verifier", verifier.value)) }
        let body = FormBody.encode(fields)
        let tokens = try TokenEndpointAnswer.tokens(
            from: post(tokenURL, body: body, deadline: deadline, what: "token endpoint"))

        var hubID = tokens.hubID
        var scopes = tokens.scopes
        var metadata = TokenMetadata()
        let mustAsk = hubID == nil || scopes == nil
        let metadataDeadline =
            mustAsk ? deadline : Deadline(secondsFromNow: min(deadline.remainingSeconds, Self.metadataGrace))
        do {
            metadata = try self.metadata(of: tokens.accessToken, clientID: grant.clientID, deadline: metadataDeadline)
        } catch where mustAsk {
            throw HookFailure(error.kind, detail: error.detail + " (needed for the hub_id and scopes)")
        } catch {
            // Only the domain, user, app and hublet were wanted; the row stores them as unknown.
        }
        // Two answers about one token that name different accounts: neither is believed, and
        // nothing of one account is written into the other's row.
        if let named = hubID, let described = metadata.hubID, named != described {
            throw HookFailure(
                .providerUnavailable, detail: "HubSpot's token answer and its metadata name different hub ids")
        }
        if hubID == nil { hubID = metadata.hubID }
        if scopes == nil { scopes = metadata.scopes }
        guard let hubID, let scopes else {
            throw HookFailure(.providerUnavailable, detail: "HubSpot named no hub_id or no scopes for the new token")
        }

        let installedAt = now()
        let install = StoredInstall(
            hubID: hubID, hubDomain: metadata.hubDomain, accessToken: tokens.accessToken,
            refreshToken: tokens.refreshToken,
            expiresAt: tokens.expiresIn.flatMap { Self.expiry(installedAt: installedAt, expiresIn: $0) }, scopes: scopes,
            tokenType: tokens.tokenType, installedAt: installedAt, updatedAt: installedAt,
            userID: metadata.userID ?? tokens.userID, userEmail: metadata.user ?? tokens.user, appID: metadata.appID,
            hublet: metadata.hublet, status: .active, installID: installID)
        do {
            try store.save(install)
        } catch {
            throw Self.storeFailure(error)
        }
        let granted = Set(scopes)
        let outcome = HookOutcome(
            account: install.accountName, ungrantedOptionalScopes: grant.optionalScopes.filter { !granted.contains($0) }
        )
        return (outcome, hubID)
    }

    private func metadata(of token: Secret, clientID: String, deadline: Deadline) throws(HookFailure) -> TokenMetadata {
        guard let origin = Self.origin(of: tokenURL) else {
            throw HookFailure(.failed, detail: "\(Setting.tokenURL) has no origin to find the metadata endpoint at")
        }
        let body = FormBody.encode([
            ("client_id", clientID), ("client_secret", clientSecret.value), ("token", token.value),
            ("token_type_hint", "access_token"),
        ])
        return try TokenEndpointAnswer.metadata(
            from: post(origin + "/oauth/2026-03/token/introspect", body: body, deadline: deadline, what: "metadata"))
    }

    private func post(_ url: String, body: [UInt8], deadline: Deadline, what: String) throws(HookFailure)
        -> HTTPResponse
    {
        let request = HTTPRequest(
            method: "POST", url: url,
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"], body: body)
        return try send(request, deadline: deadline, what: what)
    }

    private func send(_ request: HTTPRequest, deadline: Deadline, what: String) throws(HookFailure) -> HTTPResponse {
        do {
            return try client.send(request, deadline: deadline)
        } catch {
            switch error {
            case .timedOut:
                throw HookFailure(
                    .providerUnavailable, detail: "HubSpot's \(what) did not answer within \(Self.seconds(timeout))")
            case .connection(let words), .unreached(let words):
                throw HookFailure(.providerUnavailable, detail: "HubSpot's \(what): \(words)")
            case .tooLarge:
                throw HookFailure(.providerUnavailable, detail: "HubSpot's \(what) answered more than we read")
            case .badURL:
                throw HookFailure(.failed, detail: "\(Setting.tokenURL) is not a usable URL")
            }
        }
    }

    /// When a token given `expiresIn` seconds at `installedAt` expires; nil (unknown) rather than a
    /// trap when the sum does not fit, whatever the token endpoint claimed.
    static func expiry(installedAt: Int64, expiresIn: Int64) -> Int64? {
        let (sum, overflow) = installedAt.addingReportingOverflow(expiresIn)
        return overflow ? nil : sum
    }

    /// "10 s", not "10.0 s".
    static func seconds(_ value: Double) -> String {
        Int64(exactly: value).map { "\($0) s" } ?? "\(value) s"
    }

    /// `https://host[:port]` of a URL the configuration has checked.
    static func origin(of url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard authorityEnd > rest.startIndex else { return nil }
        return String(url[..<authorityEnd])
    }
}
