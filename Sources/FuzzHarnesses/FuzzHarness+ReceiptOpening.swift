import InstallCrypto
import InstallFlow

extension FuzzHarness {
    /// The receipt cookie `/installed` opens to name the account. (Sealing and opening again is
    /// covered by the responder harness, which follows a finished install to `/installed`.)
    static let receiptOpening = FuzzHarness("receipt-opening") { bytes in
        var input = FuzzInput(bytes)
        let forged = input.bool()
        let now = FuzzKeys.now + input.integer(width: 2)
        if forged {
            // Whatever a browser sends: only what carries our tag opens.
            let text = String(decoding: input.rest(), as: UTF8.self)
            if InstallReceipt.open(text, keys: FuzzKeys.keys, now: now) != nil {
                let bytes = Base64URL.decode(text) ?? []
                let body = bytes.dropLast(32)
                let tag = HMAC<SHA256>.authenticationCode(
                    for: InstallReceipt.label + body, using: SymmetricKey(data: FuzzKeys.signingBytes))
                check(bytes.count > 32 && tag.bytes == Array(bytes.suffix(32)), "a receipt we did not seal opened")
            }
        } else {
            // Any body at all, signed with our key, so the fuzzer reaches the field lengths behind the
            // tag. Its issued-at is a reading of our clock, as in every receipt we seal.
            var body: [UInt8] = [1]
            withUnsafeBytes(of: UInt64(bitPattern: FuzzKeys.now + input.integer(width: 4)).bigEndian) {
                body.append(contentsOf: $0)
            }
            body.append(contentsOf: input.rest())
            let tag = HMAC<SHA256>.authenticationCode(
                for: InstallReceipt.label + body, using: SymmetricKey(data: FuzzKeys.signingBytes))
            let text = Base64URL.encode(body + tag.bytes)
            if let receipt = InstallReceipt.open(text, keys: FuzzKeys.keys, now: now) {
                check(receipt.account.utf8.count <= body.count, "an account longer than the receipt was read")
                check(!receipt.ungrantedOptionalScopes.contains { $0.isEmpty }, "an empty scope was read")
            }
        }
    }
}
