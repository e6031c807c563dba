/// A held refresh lock; `release()` gives it back (so does the end of the process).
package struct RefreshLock: Sendable {
    private let body: @Sendable () -> Void

    package init(release: @escaping @Sendable () -> Void) {
        body = release
    }

    package func release() { body() }
}
