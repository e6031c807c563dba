/// Where an authorization code goes once the callback has proven the round trip genuine.
///
/// The flow calls a hook only after the state, the browser binding and the one-time marker have all
/// been checked; a hook never sees a request, only the grant. Implementations:
/// `ExecHook` in HookRunner, `WebhookHook` and `HubSpotExchangeHook` in TokenService, `ClosureTokenHook` for tests.
package protocol TokenHook: Sendable {
    func exchange(_ grant: AuthorizationGrant) throws(HookFailure) -> HookOutcome
}
