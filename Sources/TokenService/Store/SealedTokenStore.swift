internal import InstallCrypto
package import InstallFlow

/// Any `TokenStore` with its access and refresh tokens sealed at rest (`SealedToken`): the first
/// of `keys` seals every value written, each key opens the values that name it, and values stored
/// in clear (written before keys were configured) are read as they are until `rekey` seals them.
///
/// A value that cannot be opened (no keys, an unknown key id, a changed or moved value) is a
/// thrown `TokenStoreError` naming the hub id and the key id: never a missing row, never a value.
///
/// Sealing draws a fresh nonce per value, so the same token is stored differently each time; the
/// inner store's compare-and-swap operations compare stored text. The compares of this protocol
/// are about tokens, so each one here reads the row, opens it, compares the tokens in constant
/// time, and then has the inner store swap only if the row still holds the text it read: still
/// one atomic step, and one that a rekey between the read and the swap (new text, same token)
/// makes retry rather than fail.
package struct SealedTokenStore: TokenStore {
    package let inner: any TokenStore
    package let keys: [TokenKey]
    /// `INSTALL_TOKENS_IN_CLEAR=refuse`: a value in clear is an error, not a token. Whoever can
    /// write the database cannot seal, but can write a value in clear: a token of their own
    /// account, handed out for a customer, or refreshed and then sealed into the row.
    package let refusesTokensInClear: Bool

    /// Reads and swaps retried when only the stored text changed in between (a concurrent rekey).
    static let attempts = 8

    /// - Parameter keys: `INSTALL_TOKEN_KEYS`, the sealing key first; empty stores tokens in clear
    ///   (and still refuses, rather than misreads, values sealed earlier).
    /// - Parameter refusingTokensInClear: refuse values in clear (`INSTALL_TOKENS_IN_CLEAR=refuse`).
    package init(wrapping inner: any TokenStore, keys: [TokenKey], refusingTokensInClear: Bool = false) {
        self.inner = inner
        self.keys = keys
        refusesTokensInClear = refusingTokensInClear
    }

    /// The configuration's store: its `INSTALL_TOKEN_KEYS` and `INSTALL_TOKENS_IN_CLEAR`.
    package init(wrapping inner: any TokenStore, configuration: Configuration) {
        self.init(
            wrapping: inner, keys: TokenKey.keys(configuration),
            refusingTokensInClear: configuration.refusesTokensInClear)
    }

    package func install(hubID: Int64) throws(TokenStoreError) -> StoredInstall? {
        try inner.install(hubID: hubID).map { (row) throws(TokenStoreError) in try opened(row) }
    }

    package func installs() throws(TokenStoreError) -> [StoredInstall] {
        var result = [StoredInstall]()
        for row in try inner.installs() { result.append(try opened(row)) }
        return result
    }

    package func save(_ install: StoredInstall) throws(TokenStoreError) {
        var sealed = install
        sealed.accessToken = Secret(seal(install.accessToken.value, hubID: install.hubID, field: .access))
        sealed.refreshToken = Secret(seal(install.refreshToken.value, hubID: install.hubID, field: .refresh))
        try inner.save(sealed)
    }

    package func updateTokens(
        hubID: Int64, replacing: String, accessToken: String, refreshToken: String, expiresAt: Int64?,
        updatedAt: Int64
    ) throws(TokenStoreError) -> Bool {
        let access = seal(accessToken, hubID: hubID, field: .access)
        let refresh = seal(refreshToken, hubID: hubID, field: .refresh)
        return try swap(hubID: hubID) { (row) throws(TokenStoreError) in
            guard row.status == .active, try holds(row, refreshToken: replacing) else { return nil }
            return { () throws(TokenStoreError) in
                try inner.updateTokens(
                    hubID: hubID, replacing: row.refreshToken.value, accessToken: access, refreshToken: refresh,
                    expiresAt: expiresAt, updatedAt: updatedAt)
            }
        }
    }

    package func markRevoked(hubID: Int64, refreshToken: String, updatedAt: Int64) throws(TokenStoreError) -> Bool {
        try swap(hubID: hubID) { (row) throws(TokenStoreError) in
            guard try holds(row, refreshToken: refreshToken) else { return nil }
            return { () throws(TokenStoreError) in
                try inner.markRevoked(hubID: hubID, refreshToken: row.refreshToken.value, updatedAt: updatedAt)
            }
        }
    }

    /// Compares the tokens (opened), and writes them sealed with the first key.
    package func replaceStoredTokens(
        hubID: Int64, expectedAccess: String, expectedRefresh: String, accessToken: String, refreshToken: String
    ) throws(TokenStoreError) -> Bool {
        let access = seal(accessToken, hubID: hubID, field: .access)
        let refresh = seal(refreshToken, hubID: hubID, field: .refresh)
        return try swap(hubID: hubID) { (row) throws(TokenStoreError) in
            let opened = try opened(row)
            guard constantTimeEquals(opened.accessToken.value.utf8, expectedAccess.utf8),
                constantTimeEquals(opened.refreshToken.value.utf8, expectedRefresh.utf8)
            else { return nil }
            return { () throws(TokenStoreError) in
                try inner.replaceStoredTokens(
                    hubID: hubID, expectedAccess: row.accessToken.value, expectedRefresh: row.refreshToken.value,
                    accessToken: access, refreshToken: refresh)
            }
        }
    }

    package func delete(hubID: Int64) throws(TokenStoreError) -> Bool { try inner.delete(hubID: hubID) }

    package func refreshLock(hubID: Int64, waiting: Double) throws(TokenStoreError) -> RefreshLock {
        try inner.refreshLock(hubID: hubID, waiting: waiting)
    }

    package func claim(installID: String, at now: Int64, staleAfter: Int64) throws(TokenStoreError) -> Bool {
        try inner.claim(installID: installID, at: now, staleAfter: staleAfter)
    }

    package func claimState(installID: String) throws(TokenStoreError) -> InstallClaim? {
        try inner.claimState(installID: installID)
    }

    package func finishClaim(installID: String, outcome: InstallClaim.Outcome, at now: Int64) throws(TokenStoreError) {
        try inner.finishClaim(installID: installID, outcome: outcome, at: now)
    }

    package func releaseClaim(installID: String) throws(TokenStoreError) {
        try inner.releaseClaim(installID: installID)
    }

    // MARK: - Sealing and opening

    /// `token` as it is stored: sealed with the first key, or in clear without keys.
    func seal(_ token: String, hubID: Int64, field: SealedToken.Field) -> String {
        guard let key = keys.first else { return token }
        return SealedToken.seal(token, hubID: hubID, field: field, key: key)
    }

    /// A stored row with its tokens opened.
    func opened(_ row: StoredInstall) throws(TokenStoreError) -> StoredInstall {
        var install = row
        install.accessToken = Secret(try open(row.accessToken.value, hubID: row.hubID, field: .access))
        install.refreshToken = Secret(try open(row.refreshToken.value, hubID: row.hubID, field: .refresh))
        return install
    }

    /// The token a stored value holds, in clear or sealed, if it is one as HubSpot issues them
    /// (`TokenEndpointAnswer.isWellFormedToken`). A stored value is outside input: in clear,
    /// whoever can write the database chooses it, and `access-token` prints it and the app puts it
    /// into an `Authorization` header, where a line break or a space would be an injection.
    func open(_ stored: String, hubID: Int64, field: SealedToken.Field) throws(TokenStoreError) -> String {
        if refusesTokensInClear && !SealedToken.isSealed(stored) {
            let problem = SealedTokenError(problem: .inClear, hubID: hubID, field: field, keyID: nil)
            throw TokenStoreError(detail: problem.description)
        }
        let token: String
        do {
            token = try SealedToken.open(stored, hubID: hubID, field: field, keys: keys)
        } catch {
            throw TokenStoreError(detail: error.description)
        }
        guard TokenEndpointAnswer.isWellFormedToken(token) else {
            let problem = SealedTokenError(
                problem: .notAToken, hubID: hubID, field: field, keyID: SealedToken.keyID(of: stored))
            throw TokenStoreError(detail: problem.description)
        }
        return token
    }

    /// Whether the stored row's refresh token, opened, is `refreshToken` (constant time).
    private func holds(_ row: StoredInstall, refreshToken: String) throws(TokenStoreError) -> Bool {
        let stored = try open(row.refreshToken.value, hubID: row.hubID, field: .refresh)
        return constantTimeEquals(stored.utf8, refreshToken.utf8)
    }

    /// Reads the row, lets `decide` compare it and return the inner conditional write (against
    /// the text it read) or nil for "no"; when that write finds other text, reads again, as long
    /// as the text keeps changing.
    private func swap(
        hubID: Int64,
        _ decide: (StoredInstall) throws(TokenStoreError) -> (() throws(TokenStoreError) -> Bool)?
    ) throws(TokenStoreError) -> Bool {
        var previous: StoredInstall?
        for _ in 0..<Self.attempts {
            guard let row = try inner.install(hubID: hubID) else { return false }
            // The same text as the write that just failed: the row did not change, the answer is no.
            if let previous, previous == row { return false }
            guard let write = try decide(row) else { return false }
            if try write() { return true }
            previous = row
        }
        // Rekeys that keep resealing the row (each run reseals it once): transient, so "try again"
        // (exit 75) rather than a failure.
        throw TokenStoreError(
            detail: "hub \(hubID) kept changing while its tokens were written; try again", unavailable: true)
    }
}
