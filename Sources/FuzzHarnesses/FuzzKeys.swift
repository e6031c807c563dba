import InstallFlow
import TokenService

/// Fixed keys and clock for the harnesses that sign: a fuzzer needs the same answer for the same bytes.
enum FuzzKeys {
    static let signingBytes = [UInt8](repeating: 0x5A, count: 32)
    static let signing = StateKey(bytes: signingBytes)
    /// A retired key that still verifies (rotation), so both key ids are reachable.
    static let retired = StateKey(bytes: [UInt8](repeating: 0xC3, count: 32))
    static let keys = [signing, retired]
    static let ttl: Int64 = 600
    /// A clock reading like the ones the responder sees (2026), not a fuzzed one: only our own clock
    /// ever sets it, and the states and receipts we mint carry its readings.
    static let now: Int64 = 1_790_000_000
    /// Token sealing keys: the sealing one (32 bytes of 0x5A, like the signing key) and a retired one.
    static let tokenKeys = [
        TokenKey(bytes: [UInt8](repeating: 0x5A, count: 32)), TokenKey(bytes: [UInt8](repeating: 0xC3, count: 32)),
    ]
}
