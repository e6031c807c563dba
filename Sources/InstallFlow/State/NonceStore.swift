/// Remembers which states were used, so a code reaches the hook once.
package protocol NonceStore: Sendable {
    /// Claims the nonce of a verified state. Exactly one of any number of concurrent claims of the
    /// same nonce, across threads and processes, gets `.claimed`.
    func claim(nonce: [UInt8], issuedAt: Int64, now: Int64) -> NonceClaim

    /// Whether the nonce was claimed already; claims nothing. Only used to choose the words of a
    /// refusal, never to let a callback through.
    func wasClaimed(nonce: [UInt8]) -> Bool
}

package enum NonceClaim: Sendable, Equatable {
    case claimed
    case alreadyUsed
    /// The store could not answer; the callback must not call the hook.
    case unavailable
}
