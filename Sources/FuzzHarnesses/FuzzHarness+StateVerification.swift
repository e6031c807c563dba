import InstallCrypto
import InstallFlow

extension FuzzHarness {
    /// The `state` a callback brings back, verified with the binding cookie, without one, and read
    /// unverified for the words of a refusal.
    static let stateVerification = FuzzHarness("state-verification") { bytes in
        var input = FuzzInput(bytes)
        let signer = StateSigner(keys: FuzzKeys.keys, ttl: FuzzKeys.ttl)
        let mode = input.byte() % 3
        let binding = input.bytes(32)
        let now = FuzzKeys.now + input.integer(width: 2)

        if mode == 2 {
            // A state we minted ourselves, issued around now: it verifies in its own browser, in time.
            let issuedAt = FuzzKeys.now + input.integer(width: 4)
            let nonce = input.bytes(32)
            let state = signer.mint(binding: binding, nonce: nonce, issuedAt: issuedAt)
            check(state.utf8.count == StateSigner.encodedLength, "a minted state has the wrong length")
            let future = issuedAt > now + 60
            let expired = !future && now - issuedAt > FuzzKeys.ttl
            switch signer.verify(state, binding: binding, now: now) {
            case .success(let verified):
                check(!future && !expired, "a state out of its time was accepted")
                check(verified.issuedAt == issuedAt && verified.nonce == nonce, "a genuine state was misread")
            case .failure(.fromTheFuture): check(future, "a state in time was called from the future")
            case .failure(.expired): check(expired, "a state in time was called expired")
            case .failure: check(false, "a genuine state was refused")
            }
            check(
                signer.verify(state, binding: nil, now: now) == .failure(.bindingMissing),
                "a state passed without cookie")
            var other = binding
            other[Int(input.byte()) % 32] ^= input.byte() | 1
            check(
                signer.verify(state, binding: other, now: now) == .failure(.badTag), "a state passed in another browser"
            )
            let claims = signer.unverifiedClaims(state)
            check(claims?.issuedAt == issuedAt && claims?.nonce == nonce, "the claims of a genuine state were misread")
            return
        }

        let text: String
        if mode == 1 {
            // Valid base64url of the right length, with our version and a key id of ours when the
            // fuzzer wants it: this reaches the tag check rather than stopping at the length.
            var token = input.bytes(StateSigner.byteCount)
            if token[0] & 1 == 1 { token[0] = 1 }
            if token[1] & 1 == 1 { token.replaceSubrange(1..<5, with: FuzzKeys.keys[Int(token[2] & 1)].id) }
            text = Base64URL.encode(token)
        } else {
            text = String(decoding: input.rest(), as: UTF8.self)
        }
        // Only a state we minted verifies: one that does is exactly what we would mint for its claims
        // (with the key it names), so no second spelling of a state gets in.
        if case .success(let verified) = signer.verify(text, binding: binding, now: now) {
            let minted = [signer, StateSigner(keys: FuzzKeys.keys.reversed(), ttl: FuzzKeys.ttl)].map {
                $0.mint(binding: binding, nonce: verified.nonce, issuedAt: verified.issuedAt)
            }
            check(minted.contains(text), "a state we did not mint was accepted")
        }
        let withoutCookie = signer.verify(text, binding: nil, now: now)
        check((try? withoutCookie.get()) == nil, "a state was accepted without a cookie")
        if let claims = signer.unverifiedClaims(text) {
            check(text.utf8.count == StateSigner.encodedLength, "claims were read from a state of the wrong length")
            check(claims.nonce.count == 32, "a nonce of the wrong length was read")
            check(withoutCookie == .failure(.bindingMissing), "a well-formed state without cookie was misjudged")
        }
    }
}
