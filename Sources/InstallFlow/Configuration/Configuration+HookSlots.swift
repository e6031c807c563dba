extension Configuration {
    /// The largest `INSTALL_HOOK_CONCURRENCY` accepted: as many as `serve --threads` allows.
    package static let maximumHookConcurrency = 1024

    /// Hooks one process runs at once with `threads` worker threads: `INSTALL_HOOK_CONCURRENCY`,
    /// or half the threads (at least one), so the other half is always free for pages.
    package func hookSlots(threads: Int) -> Int {
        hookConcurrency ?? max(1, threads / 2)
    }

    /// A warning when the setting leaves no thread for pages while hooks run.
    package func hookSlotsWarning(threads: Int) -> ConfigurationProblem? {
        guard let hookConcurrency, threads > 1, hookConcurrency >= threads else { return nil }
        return ConfigurationProblem(
            .hookConcurrency,
            message:
                "\(hookConcurrency) is not fewer than the \(threads) threads: slow hooks can take every thread, and pages and /healthz wait",
            isWarning: true)
    }
}
