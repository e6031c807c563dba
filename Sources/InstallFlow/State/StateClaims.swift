/// What a well-formed state of ours says, whether or not anyone checked its tag: any 8 bytes as
/// its issued-at, any 32 as its nonce. Read unverified only to choose the words of a refusal.
package struct StateClaims: Sendable, Equatable {
    package var issuedAt: Int64
    package var nonce: [UInt8]
    /// The id of the key the state names.
    package var keyID: [UInt8]
}
