import Testing

@testable import TelefoniaCore

@Suite struct AuthFailureLimiterTests {
    /// Records failures from `source` at each time and returns whether each one started a ban
    /// (`#expect` cannot call mutating methods itself).
    private func fail(_ limiter: inout AuthFailureLimiter, _ source: String, at times: [Int64]) -> [Bool] {
        times.map { limiter.recordFailure(from: source, now: $0) }
    }

    /// The fifth failure within the window bans the source, and only that failure reports the ban.
    @Test func bansAfterMaxFailuresInWindow() {
        var limiter = AuthFailureLimiter(maxFailures: 5, window: 60, banSeconds: 300)
        let scanner = "udp:198.51.100.7:5060"
        let first = fail(&limiter, scanner, at: [1000, 1001, 1002, 1003])
        #expect(first == [false, false, false, false])
        #expect(!limiter.isBanned(scanner, now: 1003))
        let fifth = fail(&limiter, scanner, at: [1004, 1005])
        #expect(fifth == [true, false])
        #expect(limiter.isBanned(scanner, now: 1005))
        #expect(!limiter.isBanned("udp:203.0.113.9:5060", now: 1005))
    }

    /// A ban lasts exactly banSeconds and is not extended by failures during it.
    @Test func banExpiresAfterBanSeconds() {
        var limiter = AuthFailureLimiter(maxFailures: 2, window: 60, banSeconds: 300)
        let results = fail(&limiter, "a", at: [0, 1, 200])
        #expect(results == [false, true, false])
        #expect(limiter.isBanned("a", now: 300))
        #expect(!limiter.isBanned("a", now: 301))
        let afterBan = fail(&limiter, "a", at: [302, 303])
        #expect(afterBan == [false, true])
    }

    /// Failures spread wider than the window never add up to a ban.
    @Test func slowFailuresDoNotBan() {
        var limiter = AuthFailureLimiter(maxFailures: 3, window: 60, banSeconds: 300)
        let results = fail(&limiter, "a", at: (0..<10).map { Int64($0) * 31 })
        #expect(!results.contains(true))
        #expect(!limiter.isBanned("a", now: 400))
    }

    /// A successful login clears earlier failures but does not lift a ban.
    @Test func successClearsFailuresButNotBan() {
        var limiter = AuthFailureLimiter(maxFailures: 3, window: 60, banSeconds: 300)
        _ = fail(&limiter, "a", at: [0, 1])
        limiter.recordSuccess(from: "a")
        let results = fail(&limiter, "a", at: [2, 3, 4])
        #expect(results == [false, false, true])
        limiter.recordSuccess(from: "a")
        #expect(limiter.isBanned("a", now: 5))
    }

    /// Pruning forgets sources whose failures and bans are over and keeps active ones.
    @Test func pruneDropsOnlyExpiredEntries() {
        var limiter = AuthFailureLimiter(maxFailures: 2, window: 60, banSeconds: 300)
        _ = fail(&limiter, "old", at: [0])
        _ = fail(&limiter, "banned", at: [0, 0])
        _ = fail(&limiter, "recent", at: [100])
        limiter.prune(now: 100)
        #expect(limiter.trackedSources == 2)
        #expect(limiter.isBanned("banned", now: 100))
        limiter.prune(now: 301)
        #expect(limiter.trackedSources == 0)
    }

    /// A scan from many addresses does not grow memory without bound.
    @Test func memoryStaysBoundedUnderScan() {
        var limiter = AuthFailureLimiter(maxFailures: 5, window: 60, banSeconds: 300)
        for index in 0..<20_000 {
            // 100 new addresses a second, each failing once: about 6,100 are inside the window at any time.
            _ = limiter.recordFailure(from: "10.0.\(index / 256).\(index % 256)", now: Int64(index / 100))
        }
        #expect(limiter.trackedSources < 13_000)
    }
}
