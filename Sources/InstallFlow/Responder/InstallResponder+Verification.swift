/// The checks a code must pass before any hook sees it, shared by the callback and the
/// Marketplace `finalize` step, so both refuse the same things with the same reason words.
extension InstallResponder {
    /// A refusal: the page the person sees and the reason word of the log line.
    struct Refusal: Error, Equatable {
        var page: Page
        var reason: Reason

        init(_ page: Page, _ reason: Reason) {
            self.page = page
            self.reason = reason
        }
    }

    /// A state that verified against the cookie the browser brought.
    struct VerifiedRoundTrip {
        var state: VerifiedState
        var binding: [UInt8]
    }

    /// Checks the state against the browser-binding cookie (`StateSigner.verify` says in which
    /// order); when no cookie came back, the refusal's words come from what the state claims.
    func verifyRoundTrip(_ stateText: String, cookieHeader: String?, now: Int64) -> Result<VerifiedRoundTrip, Refusal> {
        let binding: [UInt8]?
        switch cookie.find(in: cookieHeader) {
        case .value(let bytes): binding = bytes
        case .none: binding = nil
        case .malformed: return .failure(Refusal(.differentBrowser, .bindingMalformed))
        case .duplicated: return .failure(Refusal(.differentBrowser, .bindingDuplicated))
        }
        switch signer.verify(stateText, binding: binding, now: now) {
        case .success(let verified):
            guard let binding else {
                return .failure(Refusal(.differentBrowser, .bindingMissing))
            }
            return .success(VerifiedRoundTrip(state: verified, binding: binding))
        case .failure(.expired): return .failure(Refusal(.linkExpired, .stateExpired))
        case .failure(.bindingMissing): return .failure(withoutBinding(stateText, now: now))
        case .failure(let rejection): return .failure(Refusal(.invalidLink, rejection.reason))
        }
    }

    /// A code as HubSpot issues it, or the refusal.
    static func checkedCode(_ code: String?) -> Result<AuthorizationCode, Refusal> {
        guard let code else { return .failure(Refusal(.invalidLink, .codeMissing)) }
        guard CallbackQuery.isPlausibleCode(code) else { return .failure(Refusal(.invalidLink, .codeMalformed)) }
        return .success(AuthorizationCode(code))
    }

    /// The one way to a hook: a free hook slot first, then the one-time marker, then `run` (which
    /// runs the hook) while the slot is held. The slot comes first so that a busy answer leaves the
    /// marker unclaimed: the same link (or code) works once a hook has finished.
    func onceWithHookSlot(
        _ marker: [UInt8], issuedAt: Int64, now: Int64, replayed: Reason = .stateReplayed,
        refuse: (Refusal) -> Response, run: () -> Response
    ) -> Response {
        guard hookSlots.tryAcquire() else { return refuse(Refusal(.hookBusy, .hookBusy)) }
        defer { hookSlots.release() }
        if let refusal = claimOnce(marker, issuedAt: issuedAt, now: now, replayed: replayed) { return refuse(refusal) }
        return run()
    }

    /// Claims the one-time marker: of any number of requests with the same nonce, one goes on.
    private func claimOnce(_ nonce: [UInt8], issuedAt: Int64, now: Int64, replayed: Reason = .stateReplayed) -> Refusal? {
        switch nonces.claim(nonce: nonce, issuedAt: issuedAt, now: now) {
        case .claimed: nil
        case .alreadyUsed: Refusal(.linkUsed, replayed)
        case .unavailable: Refusal(.serviceUnavailable, .stateStoreUnavailable)
        }
    }

    /// The PKCE verifier of a verified round trip, recomputed under the key that verified its state
    /// (after a key rotation that may not be the first key); nil when PKCE is off.
    func codeVerifier(for roundTrip: VerifiedRoundTrip) -> Secret? {
        guard configuration.pkce == .s256,
            let key = configuration.stateKeys.first(where: { $0.id == roundTrip.state.keyID })
        else { return nil }
        return Secret(PKCE.verifier(key: key, nonce: roundTrip.state.nonce, binding: roundTrip.binding))
    }

    /// No cookie came back, so the state cannot be verified. The cookie expires with the state, so
    /// the usual reason is not another browser but a late return, or Back (and Connect again) after
    /// the cookie expired: say that, from what the state claims. Every answer here is a refusal; the
    /// claims only pick its words, and they are any bytes an attacker chose, so nothing in here may
    /// do arithmetic on them.
    func withoutBinding(_ stateText: String, now: Int64) -> Refusal {
        if let claims = signer.unverifiedClaims(stateText) {
            if nonces.wasClaimed(nonce: claims.nonce) { return Refusal(.linkUsed, .stateReplayed) }
            if signer.isExpired(issuedAt: claims.issuedAt, now: now) { return Refusal(.linkExpired, .stateExpired) }
        }
        return Refusal(.differentBrowser, .bindingMissing)
    }
}

extension HookFailure.Kind {
    /// The page a person sees when the hook failed this way.
    var page: Page {
        switch self {
        case .failed, .timedOut: .installFailed
        case .codeRejected: .linkExpired
        case .providerUnavailable: .hubSpotUnavailable
        }
    }
}
