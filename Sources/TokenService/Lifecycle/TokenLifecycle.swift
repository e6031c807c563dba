internal import Foundation
package import InstallFlow

/// Keeps stored installs usable after the install: refreshes access tokens ahead of expiry, and
/// revokes or uninstalls an account at HubSpot.
///
/// Every endpoint is HubSpot's 2026-03 one at the origin of `HUBSPOT_TOKEN_URL`, so a stand-in (or
/// a proxy) configured there serves all of them. A refresh runs under the store's refresh lock of
/// the account and re-reads the row once it holds the lock: of many callers that find the token
/// about to expire, the first refreshes and the rest find its result, so HubSpot sees one request.
package struct TokenLifecycle: Sendable {
    /// An access token expiring within this many seconds is refreshed before it is handed out.
    package static let refreshMargin: Int64 = 300

    package let origin: String
    package let timeout: Double
    private let clientID: String
    private let clientSecret: Secret
    private let store: any TokenStore
    private let client: HTTPClient
    private let now: @Sendable () -> Int64

    /// - Parameters:
    ///   - tokenURL: `HUBSPOT_TOKEN_URL`; only its origin is used.
    ///   - timeout: seconds one command may wait for HubSpot (all its requests together).
    package init(
        clientID: String, clientSecret: Secret, tokenURL: String, timeout: Double, store: any TokenStore,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) throws(LifecycleFailure) {
        guard let origin = HubSpotExchangeHook.origin(of: tokenURL) else {
            throw LifecycleFailure(.misconfigured, detail: "\(Setting.tokenURL) has no origin")
        }
        self.origin = origin
        self.timeout = timeout
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.store = store
        self.client = HTTPClient()
        self.now = now
    }

    /// The install with an access token valid for at least `refreshMargin` more seconds,
    /// refreshed first if needed (always, with `force`).
    package func usableInstall(hubID: Int64, force: Bool = false) throws(LifecycleFailure) -> StoredInstall {
        let first = try stored(hubID)
        if !force, isFresh(first) { return first }
        let lock = try refreshLock(hubID)
        defer { lock.release() }
        let current = try stored(hubID)
        // Someone refreshed (or reinstalled) while we waited for the lock: use theirs, whatever
        // expiry HubSpot gave it (none, or minutes), so a crowd of callers, `refresh` ones too, is
        // one refresh.
        if current.accessToken != first.accessToken { return current }
        if !force, isFresh(current) { return current }
        return try refresh(current)
    }

    /// Revokes the account's refresh token at HubSpot, then deletes the row. If HubSpot cannot be
    /// reached the row stays, so the command can be run again.
    package func revoke(hubID: Int64) throws(LifecycleFailure) {
        let lock = try refreshLock(hubID)
        defer { lock.release() }
        let install = try stored(hubID, allowRevoked: true)
        let deadline = Deadline(secondsFromNow: timeout)
        let body = FormBody.encode([
            ("client_id", clientID), ("client_secret", clientSecret.value), ("token", install.refreshToken.value),
            ("token_type_hint", "refresh_token"),
        ])
        let answer = try send(
            HTTPRequest(
                method: "POST", url: origin + "/oauth/2026-03/token/revoke",
                headers: ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"],
                body: body), deadline: deadline, what: "revoke endpoint", hubID: hubID)
        // RFC 7009: a token HubSpot no longer knows is answered 200 as well; either way it is gone.
        guard (200..<300).contains(answer.status) else {
            throw Self.failure(answer, what: "revoke endpoint", hubID: hubID)
        }
        try remove(hubID)
    }

    /// What `uninstall` found.
    package enum UninstallResult: Sendable, Equatable {
        /// HubSpot removed the app from the account (its admins are emailed).
        case uninstalled
        /// HubSpot had already refused the refresh token: the app was uninstalled or revoked there.
        case alreadyGone
    }

    /// Uninstalls the app from the account at HubSpot with the account's own access token
    /// (refreshed first if needed), then deletes the row.
    package func uninstall(hubID: Int64) throws(LifecycleFailure) -> UninstallResult {
        let install: StoredInstall
        do {
            install = try usableInstall(hubID: hubID)
        } catch  where error.reason == .revoked {
            try remove(hubID)
            return .alreadyGone
        }
        let answer = try send(
            HTTPRequest(
                method: "DELETE", url: origin + "/appinstalls/2026-03/external-install",
                headers: ["Authorization": "Bearer " + install.accessToken.value, "Accept": "application/json"],
                body: []), deadline: Deadline(secondsFromNow: timeout), what: "uninstall endpoint", hubID: hubID)
        guard (200..<300).contains(answer.status) else {
            throw Self.failure(answer, what: "uninstall endpoint", hubID: hubID)
        }
        try remove(hubID)
        return .uninstalled
    }

    // MARK: - Refresh

    private func refresh(_ install: StoredInstall) throws(LifecycleFailure) -> StoredInstall {
        let hubID = install.hubID
        let body = FormBody.encode([
            ("grant_type", "refresh_token"), ("client_id", clientID), ("client_secret", clientSecret.value),
            ("refresh_token", install.refreshToken.value),
        ])
        let answer = try send(
            HTTPRequest(
                method: "POST", url: origin + "/oauth/2026-03/token",
                headers: ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"],
                body: body), deadline: Deadline(secondsFromNow: timeout), what: "token endpoint", hubID: hubID)
        guard answer.status == 200 else {
            let failure = Self.failure(answer, what: "token endpoint", hubID: hubID)
            if failure.reason == .revoked {
                let marked = try storeStep { () throws(TokenStoreError) in
                    try store.markRevoked(hubID: hubID, refreshToken: install.refreshToken.value, updatedAt: now())
                }
                // Reinstalled (or removed) while HubSpot answered: the refused token is no longer
                // the account's, and what is stored now decides.
                if !marked {
                    let current = try stored(hubID)
                    guard isFresh(current) else {
                        throw LifecycleFailure(.busy, detail: "hub \(hubID) was rewritten during the refresh; try again")
                    }
                    return current
                }
            }
            throw failure
        }
        guard let json = JSONValue.parse(answer.body), let access = TokenEndpointAnswer.token(json["access_token"])
        else {
            throw LifecycleFailure(
                .hubspotUnavailable,
                detail: "hub \(hubID): HubSpot's token endpoint answered 200 without an access_token")
        }
        // The answer names the account the refresh token belongs to. Another account's means the row
        // was written by something other than this program (whoever can write the database can put
        // their own account's refresh token into a customer's row): its tokens are not handed out
        // for this account, and nothing is stored.
        if let answered = TokenEndpointAnswer.positiveID(json["hub_id"]), answered != hubID {
            throw LifecycleFailure(
                .storeFailed,
                detail: "hub \(hubID): HubSpot says the stored refresh token is hub \(answered)'s; the row was not "
                    + "written by this program, and nothing was stored")
        }
        // HubSpot may hand out a new refresh token with the access token; the old one may stop
        // working, so the newest is kept.
        // A refresh token that is present but malformed makes the answer unusable, like a bad access token.
        let refresh: String
        if json["refresh_token"] == nil || json["refresh_token"] == .null || json["refresh_token"] == .string("") {
            refresh = install.refreshToken.value
        } else if let issued = TokenEndpointAnswer.token(json["refresh_token"]) {
            refresh = issued
        } else {
            throw LifecycleFailure(
                .hubspotUnavailable,
                detail: "hub \(hubID): HubSpot's token endpoint answered 200 with an unusable refresh_token")
        }
        let at = now()
        // The same rule as at install: a lifetime outside what HubSpot could mean is an unknown expiry.
        let expiresAt = json["expires_in"]?.integer
            .flatMap { TokenEndpointAnswer.longestLifetime.contains($0) ? $0 : nil }
            .flatMap { HubSpotExchangeHook.expiry(installedAt: at, expiresIn: $0) }
        let updated = try storeStep { () throws(TokenStoreError) in
            try store.updateTokens(
                hubID: hubID, replacing: install.refreshToken.value, accessToken: access, refreshToken: refresh,
                expiresAt: expiresAt, updatedAt: at)
        }
        guard updated else {
            // Removed, revoked or reinstalled while HubSpot answered: what is stored now decides.
            let current = try stored(hubID)
            guard isFresh(current) else {
                throw LifecycleFailure(.busy, detail: "hub \(hubID) was rewritten during the refresh; try again")
            }
            return current
        }
        var result = install
        result.accessToken = Secret(access)
        result.refreshToken = Secret(refresh)
        result.expiresAt = expiresAt
        result.updatedAt = at
        return result
    }

    private func isFresh(_ install: StoredInstall) -> Bool {
        guard let expiresAt = install.expiresAt else { return false }
        let (limit, overflow) = now().addingReportingOverflow(Self.refreshMargin)
        return !overflow && expiresAt > limit
    }

    // MARK: - Store and HTTP, failures in words

    private func stored(_ hubID: Int64, allowRevoked: Bool = false) throws(LifecycleFailure) -> StoredInstall {
        let install = try storeStep { () throws(TokenStoreError) in try store.install(hubID: hubID) }
        guard let install else {
            throw LifecycleFailure(.notStored, detail: "no account with hub id \(hubID) is stored")
        }
        if install.status == .revoked && !allowRevoked { throw Self.revoked(hubID, earlier: true) }
        return install
    }

    private func remove(_ hubID: Int64) throws(LifecycleFailure) {
        _ = try storeStep { () throws(TokenStoreError) in try store.delete(hubID: hubID) }
    }

    private func refreshLock(_ hubID: Int64) throws(LifecycleFailure) -> RefreshLock {
        do {
            // Longer than one refresh may take, so a queued caller outwaits the refresh ahead of it.
            return try store.refreshLock(hubID: hubID, waiting: timeout * 2 + 5)
        } catch {
            throw LifecycleFailure(.busy, detail: error.detail)
        }
    }

    private func storeStep<T>(_ body: () throws(TokenStoreError) -> T) throws(LifecycleFailure) -> T {
        do {
            return try body()
        } catch {
            throw LifecycleFailure(store: error)
        }
    }

    private func send(_ request: HTTPRequest, deadline: Deadline, what: String, hubID: Int64)
        throws(LifecycleFailure) -> HTTPResponse
    {
        do {
            return try client.send(request, deadline: deadline)
        } catch {
            let words: String
            switch error {
            case .timedOut: words = "did not answer within \(HubSpotExchangeHook.seconds(timeout))"
            case .connection(let reason), .unreached(let reason): words = "was unreachable (\(reason))"
            case .tooLarge: words = "answered more than we read"
            case .badURL: throw LifecycleFailure(.misconfigured, detail: "\(Setting.tokenURL) is not a usable URL")
            }
            throw LifecycleFailure(.hubspotUnavailable, detail: "hub \(hubID): HubSpot's \(what) \(words)\(Self.kept)")
        }
    }

    /// Said of every failure but `revoked`: the row is as it was, so the command can simply be run again.
    static let kept = "; nothing was changed and the account is still stored"

    static func revoked(_ hubID: Int64, earlier: Bool) -> LifecycleFailure {
        LifecycleFailure(
            .revoked,
            detail: "hub \(hubID): HubSpot \(earlier ? "has refused" : "refused") the refresh token: the customer "
                + "uninstalled the app or revoked its access; the account is marked revoked and needs a new install")
    }

    /// The failure an error answer of a lifecycle endpoint amounts to, in words: HTTP status and
    /// HubSpot's status word, never the body.
    static func failure(_ answer: HTTPResponse, what: String, hubID: Int64) -> LifecycleFailure {
        let json = JSONValue.parse(answer.body)
        let statusWord = json?["status"]?.string.flatMap(TokenEndpointAnswer.knownWord)
        let errorWord = json?["error"]?.string.flatMap(TokenEndpointAnswer.knownWord)
        let category = json?["category"]?.string.flatMap(TokenEndpointAnswer.knownWord)
        let stays = Self.kept
        if answer.status >= 500 || answer.status == 429 {
            return LifecycleFailure(
                .hubspotUnavailable, detail: "hub \(hubID): HubSpot's \(what) answered \(answer.status)\(stays)")
        }
        // Legacy status words are the more precise: BAD_CLIENT_SECRET also comes with an RFC word.
        let otherLegacyWord = statusWord.map { $0 != "BAD_REFRESH_TOKEN" && $0 != "error" } ?? false
        if what == "token endpoint"
            && (statusWord == "BAD_REFRESH_TOKEN" || (errorWord == "invalid_grant" && !otherLegacyWord))
        {
            return revoked(hubID, earlier: false)
        }
        let word = [statusWord, category, errorWord].compactMap { $0 }.first { $0 != "error" }
        return LifecycleFailure(
            .hubspotRefused,
            detail: "hub \(hubID): HubSpot's \(what) answered \(answer.status)"
                + (word.map { ": HubSpot said \($0)" } ?? "") + stays)
    }
}
