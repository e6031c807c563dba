/// A hook made of a closure, so tests and small extensions need no type of their own.
package struct ClosureTokenHook: TokenHook {
    private let body: @Sendable (AuthorizationGrant) throws(HookFailure) -> HookOutcome

    package init(_ body: @escaping @Sendable (AuthorizationGrant) throws(HookFailure) -> HookOutcome) {
        self.body = body
    }

    package func exchange(_ grant: AuthorizationGrant) throws(HookFailure) -> HookOutcome {
        try body(grant)
    }
}
