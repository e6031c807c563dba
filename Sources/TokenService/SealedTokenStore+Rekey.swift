internal import InstallFlow

extension SealedTokenStore {
    /// What `rekey` did.
    package struct RekeyResult: Sendable, Equatable {
        /// Rows whose tokens were in clear or sealed with another key, now sealed with the first.
        package var resealed: Int
        /// Rows already sealed with the first key, left as they were.
        package var alreadySealed: Int
        /// Rows removed while the rekey ran (nothing left to reseal).
        package var vanished: Int
    }

    /// Reseals every row, active and revoked, whose tokens are in clear or sealed with another
    /// key than the first: each row in one compare-and-swap on its stored text
    /// (`replaceStoredTokens`), so a refresh or reinstall that writes the row meanwhile is kept,
    /// and the row is read and resealed again. Nothing but the token columns changes.
    /// - Throws: `TokenStoreError` when there is no key to seal with, a row does not open (its
    ///   message names the hub id and key id), or the store fails. Rows resealed before stay so:
    ///   running it again finishes the rest.
    package func rekey() throws(TokenStoreError) -> RekeyResult {
        guard let first = keys.first else {
            throw TokenStoreError(detail: "INSTALL_TOKEN_KEYS is not set: there is no key to seal with")
        }
        var result = RekeyResult(resealed: 0, alreadySealed: 0, vanished: 0)
        for listed in try inner.installs() {
            var row: StoredInstall? = listed
            var done = false
            for _ in 0..<Self.attempts {
                guard let current = row else {
                    result.vanished += 1
                    done = true
                    break
                }
                if SealedToken.keyID(of: current.accessToken.value) == first.id
                    && SealedToken.keyID(of: current.refreshToken.value) == first.id
                {
                    result.alreadySealed += 1
                    done = true
                    break
                }
                let opened = try opened(current)
                let swapped = try inner.replaceStoredTokens(
                    hubID: current.hubID, expectedAccess: current.accessToken.value,
                    expectedRefresh: current.refreshToken.value,
                    accessToken: seal(opened.accessToken.value, hubID: current.hubID, field: .access),
                    refreshToken: seal(opened.refreshToken.value, hubID: current.hubID, field: .refresh))
                if swapped {
                    result.resealed += 1
                    done = true
                    break
                }
                // Written meanwhile (a refresh, a reinstall) or deleted: look again.
                row = try inner.install(hubID: current.hubID)
            }
            if !done {
                throw TokenStoreError(detail: "hub \(listed.hubID) kept changing during the rekey; run it again")
            }
        }
        return result
    }
}
