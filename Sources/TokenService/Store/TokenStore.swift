/// Where token sets live: one row per `hub_id`, plus the install claims that keep a duplicate
/// delivery of one install from exchanging its code twice.
///
/// Every operation is one atomic step that several processes (and hosts, for a shared database)
/// may run at once; nothing here holds a lock across calls except `refreshLock`. Implementations:
/// `SQLiteTokenStore` and `PostgresTokenStore` (`TokenStoreLocation` picks one), and
/// `SealedTokenStore`, which seals the tokens of either; the tests in `TokenStoreContractTests` are
/// written against this protocol so every implementation runs the same suite.
package protocol TokenStore: Sendable {
    /// The install of one account, if stored.
    func install(hubID: Int64) throws(TokenStoreError) -> StoredInstall?

    /// Every stored install, by hub id.
    func installs() throws(TokenStoreError) -> [StoredInstall]

    /// Stores an install, replacing any row for the same `hub_id` (a reinstall, which also makes
    /// a revoked account active again).
    func save(_ install: StoredInstall) throws(TokenStoreError)

    /// Replaces the tokens of a row after a refresh, if the row still holds `replacing`, the
    /// refresh token that was used. Returns false (and writes nothing) if the row is gone or was
    /// rewritten meanwhile: a refresh finishing late must neither bring back an account that was
    /// revoked nor overwrite the tokens of a reinstall.
    func updateTokens(
        hubID: Int64, replacing: String, accessToken: String, refreshToken: String, expiresAt: Int64?,
        updatedAt: Int64
    ) throws(TokenStoreError) -> Bool

    /// Marks a row `revoked` after HubSpot refused `refreshToken`, if the row still holds that
    /// refresh token; false (and nothing written) if it is gone or was rewritten meanwhile: a
    /// refusal arriving late must not mark a reinstall made in the meantime.
    func markRevoked(hubID: Int64, refreshToken: String, updatedAt: Int64) throws(TokenStoreError) -> Bool

    /// Rewrites the two token values of a row exactly as given, if the row still stores exactly
    /// `expectedAccess` and `expectedRefresh`; nothing else of the row changes (not its status, not
    /// `updated_at`). False (and nothing written) if the row is gone or holds other values. This is
    /// how `tokens rekey` (`SealedTokenStore`) reseals a row: a refresh that wrote in the meantime
    /// makes it false instead of being overwritten. Values are compared as stored, byte for byte.
    func replaceStoredTokens(
        hubID: Int64, expectedAccess: String, expectedRefresh: String, accessToken: String, refreshToken: String
    ) throws(TokenStoreError) -> Bool

    /// Deletes a row; false if there was none.
    func delete(hubID: Int64) throws(TokenStoreError) -> Bool

    /// Waits (at most `waiting` seconds) until no other caller, in any process, holds the refresh
    /// lock of `hubID`, and takes it. Whoever holds it re-reads the row before refreshing, so
    /// callers queued behind a refresh find the new token and make no request of their own.
    func refreshLock(hubID: Int64, waiting: Double) throws(TokenStoreError) -> RefreshLock

    /// Claims `installID` for the caller, atomically: true for exactly one caller per install id
    /// (until it is released). A claim left unfinished for longer than `staleAfter` seconds (its
    /// claimer died) is taken over.
    func claim(installID: String, at now: Int64, staleAfter: Int64) throws(TokenStoreError) -> Bool

    /// The claim of `installID`, if any: its outcome once the claimer finished.
    func claimState(installID: String) throws(TokenStoreError) -> InstallClaim?

    /// Records the outcome of a claimed install, for duplicate deliveries to report.
    func finishClaim(installID: String, outcome: InstallClaim.Outcome, at now: Int64) throws(TokenStoreError)

    /// Gives a claim up (the exchange failed before the code was used up), so a duplicate
    /// delivery may try.
    func releaseClaim(installID: String) throws(TokenStoreError)
}
