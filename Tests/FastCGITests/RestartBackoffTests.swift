import Testing

@testable import FastCGI

/// The pause before a slot's next worker, as a value: none after a worker that was ready (a stream
/// of hostile records must never earn a pause), doubling after each startup failure in a row.
struct RestartBackoffTests {
    @Test func aWorkerThatWasReadyIsReplacedAtOnceHoweverOften() {
        var backoff = RestartBackoff()
        for _ in 0..<1_000 { #expect(backoff.delay(afterDeathWhenReady: true) == 0) }
        #expect(backoff.quickDeaths == 0)
    }

    @Test func startupFailuresInARowDoubleThePauseUpToTenSeconds() {
        var backoff = RestartBackoff()
        let delays = (0..<10).map { _ in backoff.delay(afterDeathWhenReady: false) }
        #expect(
            delays == [
                100_000, 200_000, 400_000, 800_000, 1_600_000, 3_200_000, 6_400_000, 10_000_000, 10_000_000,
                10_000_000,
            ])
    }

    @Test func aReadyWorkerClearsTheCount() {
        var backoff = RestartBackoff()
        _ = backoff.delay(afterDeathWhenReady: false)
        _ = backoff.delay(afterDeathWhenReady: false)
        backoff.reset()
        #expect(backoff.delay(afterDeathWhenReady: false) == 100_000)
        _ = backoff.delay(afterDeathWhenReady: false)
        #expect(backoff.delay(afterDeathWhenReady: true) == 0)
        #expect(backoff.delay(afterDeathWhenReady: false) == 100_000)
    }

    @Test func endlessFailuresNeverTrapAndNeverExceedTheLongestPause() {
        var backoff = RestartBackoff()
        var delays = Set<Int64>()
        for _ in 0..<10_000 { delays.insert(backoff.delay(afterDeathWhenReady: false)) }
        #expect(delays.max() == RestartBackoff.longestDelay)
    }
}
