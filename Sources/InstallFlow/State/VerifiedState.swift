/// The claims of a state whose tag verified against the browser's cookie, within its lifetime:
/// only `StateSigner.verify` makes one, so a value of this type is never unverified input.
package struct VerifiedState: Sendable, Equatable {
    package let claims: StateClaims

    /// For `StateSigner.verify` alone.
    init(verified claims: StateClaims) { self.claims = claims }

    package var issuedAt: Int64 { claims.issuedAt }
    package var nonce: [UInt8] { claims.nonce }
    /// The id of the key that verified it.
    package var keyID: [UInt8] { claims.keyID }
}
