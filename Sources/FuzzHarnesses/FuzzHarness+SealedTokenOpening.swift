import TokenService

extension FuzzHarness {
    /// A token value as stored in the token database, which is outside input: whoever can write the
    /// file (or a backup restored into it) chooses it. Opening must never crash, must hand back text
    /// in clear as it is, and must open a sealed value only if it is exactly what we sealed for that
    /// row and column.
    static let sealedTokenOpening = FuzzHarness("sealed-token-opening") { bytes in
        var input = FuzzInput(bytes)
        let sealsFirst = input.bool()
        let field: SealedToken.Field = input.bool() ? .refresh : .access
        let hubID = input.integer(width: 8)
        let keys = FuzzKeys.tokenKeys
        if !sealsFirst {
            // Any stored text at all.
            let stored = String(decoding: input.rest(), as: UTF8.self)
            do {
                let token = try SealedToken.open(stored, hubID: hubID, field: field, keys: keys)
                if !SealedToken.isSealed(stored) {
                    check(token == stored, "a value in clear was changed")
                } else {
                    check(keys.contains { $0.id == SealedToken.keyID(of: stored) }, "opened with a key id we lack")
                    // What opened for this row and column opens for no other.
                    let other: SealedToken.Field = field == .access ? .refresh : .access
                    check(
                        (try? SealedToken.open(stored, hubID: hubID, field: other, keys: keys)) == nil,
                        "a sealed value opened in the other column")
                    check(
                        (try? SealedToken.open(stored, hubID: hubID &+ 1, field: field, keys: keys)) == nil,
                        "a sealed value opened in another row")
                }
            } catch {
                check(SealedToken.isSealed(stored), "a value in clear was refused")
                check(!"\(error)".isEmpty, "a refusal without words")
            }
        } else {
            // A value we sealed, with one byte of its text changed (or none, when the change is 0).
            let position = Int(input.integer(width: 2) & 0x7fff)
            let change = input.byte()
            let retired = input.bool()
            let token = String(decoding: input.rest(), as: UTF8.self)
            let sealed = SealedToken.seal(token, hubID: hubID, field: field, key: keys[retired ? 1 : 0])
            check((try? SealedToken.open(sealed, hubID: hubID, field: field, keys: keys)) == token, "ours did not open")
            var text = Array(sealed.utf8)
            text[position % text.count] ^= change
            let changed = String(decoding: text, as: UTF8.self)
            if let opened = try? SealedToken.open(changed, hubID: hubID, field: field, keys: keys) {
                if SealedToken.isSealed(changed) {
                    check(changed == sealed && opened == token, "a changed sealed value opened")
                } else {
                    // The change hit the prefix: what is left is read as a value in clear, as it is.
                    check(opened == changed, "a value in clear was changed")
                }
            }
        }
    }
}
