internal import InstallFlow

extension SealedTokenStore {
    /// What `rekey` did.
    package struct RekeyResult: Sendable, Equatable {
        /// Rows whose tokens were in clear or sealed with another key, now sealed with the first.
        package var resealed: Int
        /// Rows already sealed with the first key (and opening with it), left as they were.
        package var alreadySealed: Int
        /// Rows removed while the rekey ran (nothing left to reseal).
        package var vanished: Int
        /// Rows left as they were because they do not open (no key for them, changed, moved,
        /// malformed): one message each, naming the hub id and the key id, never a value.
        package var failures: [String] = []
    }

    /// Reseals every row, active and revoked, whose tokens are in clear or sealed with another
    /// key than the first: each row in one compare-and-swap on its stored text
    /// (`replaceStoredTokens`), so a refresh or reinstall that writes the row meanwhile is kept,
    /// and the row is read and resealed again. Nothing but the token columns changes.
    ///
    /// Every row is opened, those already under the first key too, so a result without failures
    /// means every row opens with the first key alone and the others can go. A row that does not
    /// open is left as it was and named in `failures`, and the rekey goes on: one bad row (which
    /// whoever can write the database can plant) must not keep every row after it under a key
    /// that is being retired.
    /// - Throws: `TokenStoreError` when there is no key to seal with, or the store fails. Rows
    ///   resealed before stay so: running it again finishes the rest.
    package func rekey() throws(TokenStoreError) -> RekeyResult {
        guard let first = keys.first else {
            throw TokenStoreError(detail: "\(Setting.tokenKeys) is not set: there is no key to seal with")
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
                let opened: StoredInstall
                do {
                    opened = try self.opened(current)
                } catch {
                    result.failures.append(error.detail)
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
                result.failures.append("hub \(listed.hubID) kept changing during the rekey; run it again")
            }
        }
        return result
    }
}
