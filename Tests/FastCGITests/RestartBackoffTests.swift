import Testing

@testable import FastCGI

struct RestartBackoffTests {
    static let second: Int64 = 1_000_000

    @Test func aWorkerThatRanForAWhileIsReplacedAtOnce() {
        var backoff = RestartBackoff()
        #expect(backoff.delay(afterRunning: 5 * Self.second) == 0)
        #expect(backoff.delay(afterRunning: Self.second) == 0)
        #expect(backoff.quickDeaths == 0)
    }

    @Test func deathsRightAfterStartingDoubleThePauseUpToTenSeconds() {
        var backoff = RestartBackoff()
        let delays = (0..<10).map { _ in backoff.delay(afterRunning: 20_000) }
        #expect(
            delays == [
                100_000, 200_000, 400_000, 800_000, 1_600_000, 3_200_000, 6_400_000, 10_000_000, 10_000_000,
                10_000_000,
            ])
        #expect(backoff.quickDeaths == 10)
    }

    @Test func aWorkerThatLivesResetsThePause() {
        var backoff = RestartBackoff()
        _ = backoff.delay(afterRunning: 0)
        _ = backoff.delay(afterRunning: 0)
        #expect(backoff.delay(afterRunning: 2 * Self.second) == 0)
        #expect(backoff.delay(afterRunning: 0) == 100_000)
    }

    @Test func endlessQuickDeathsStayAtTheLongestPause() {
        var backoff = RestartBackoff()
        var delays = Set<Int64>()
        for _ in 0..<10_000 { delays.insert(backoff.delay(afterRunning: 0)) }
        #expect(delays.max() == RestartBackoff.longestDelay)
        #expect(delays.min() == RestartBackoff.firstDelay)
        #expect(backoff.delay(afterRunning: .min) == RestartBackoff.longestDelay)
    }
}
