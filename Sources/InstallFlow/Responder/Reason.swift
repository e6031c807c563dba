/// The reason word of an access-log line: why the request got the answer it got. Operators grep
/// and alert on these words, so they are one closed list, and docs/logs.md lists exactly these
/// (a test compares the two).
package enum Reason: String, Sendable, CaseIterable {
    /// Answered as asked: a page, a redirect, the health check.
    case ok
    case headIgnored = "head_ignored"
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    /// The adapter's own answer: parameters too large to read safely.
    case requestTooLarge = "request_too_large"

    // The state of a round trip (`StateRejection`, and what the flow checks beyond the signer).
    case stateMissing = "state_missing"
    case stateMalformed = "state_malformed"
    case stateVersion = "state_version"
    case stateUnknownKey = "state_unknown_key"
    case stateBadTag = "state_bad_tag"
    case stateExpired = "state_expired"
    case stateFuture = "state_future"
    case stateReplayed = "state_replayed"
    case stateStoreUnavailable = "state_store_unavailable"

    // The browser-binding cookie.
    case bindingMissing = "binding_missing"
    case bindingMalformed = "binding_malformed"
    case bindingDuplicated = "binding_duplicated"

    // The callback's query (`CallbackQuery.Rejection`) and what it brought.
    case queryTooLarge = "query_too_large"
    case queryMalformed = "query_malformed"
    case queryDuplicated = "query_duplicated"
    case codeMissing = "code_missing"
    case codeMalformed = "code_malformed"
    case providerError = "provider_error"

    // The token hook (`HookFailure.Kind`, and the slots it runs in).
    case hookBusy = "hook_busy"
    case hookFailed = "hook_failed"
    case hookTimeout = "hook_timeout"
    case codeRejected = "code_rejected"
    case providerUnavailable = "provider_unavailable"

    // `/oauth/authorize`'s `hub_id`, and the Marketplace's `/oauth/install`.
    case hubIDInvalid = "hub_id_invalid"
    case returnURLInvalid = "return_url_invalid"
    case stepInvalid = "step_invalid"
    case flowMismatch = "flow_mismatch"
    case codeReplayed = "code_replayed"
}
