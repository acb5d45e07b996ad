/// Brute-force guard for digest authentication: bans a source address after too many failed
/// attempts in a sliding window, the way fail2ban protects Asterisk from SIP scanners.
///
/// A value type driven by explicit `now` (unix seconds), so tests need no clock. Memory is
/// bounded by the sources seen within the last window or ban: expired entries are pruned
/// automatically as the table grows, and `prune(now:)` can also be called from a timer.
public struct AuthFailureLimiter: Sendable {
    private struct Entry: Sendable {
        /// Times of recent failures, oldest first; never more than `maxFailures`.
        var failures: [Int64] = []
        var bannedUntil: Int64?
    }

    /// Failures within `window` seconds that cause a ban.
    public let maxFailures: Int
    /// Length of the sliding window in seconds.
    public let window: Int
    /// How long a ban lasts in seconds.
    public let banSeconds: Int

    private var entries: [String: Entry] = [:]
    /// Table size at which `recordFailure` prunes by itself; set to twice the live entries after
    /// each prune, so pruning costs amortised O(1) per failure.
    private var autoPruneThreshold = 1024

    /// A limiter banning a source for `banSeconds` after `maxFailures` failures within `window` seconds.
    public init(maxFailures: Int = 5, window: Int = 60, banSeconds: Int = 300) {
        self.maxFailures = max(1, maxFailures)
        self.window = max(1, window)
        self.banSeconds = max(0, banSeconds)
    }

    /// Records a failed authentication from `source`; true when this failure started a ban.
    /// Failures while a source is banned neither count nor extend the ban.
    public mutating func recordFailure(from source: String, now: Int64) -> Bool {
        if entries.count >= autoPruneThreshold {
            prune(now: now)
            autoPruneThreshold = max(1024, entries.count * 2)
        }
        var entry = entries[source] ?? Entry()
        if let until = entry.bannedUntil {
            if until > now { return false }
            entry.bannedUntil = nil
        }
        entry.failures.removeAll { $0 <= now - Int64(window) }
        entry.failures.append(now)
        var banned = false
        if entry.failures.count >= maxFailures {
            entry.failures.removeAll()
            entry.bannedUntil = now + Int64(banSeconds)
            banned = true
        }
        entries[source] = entry
        return banned
    }

    /// Whether requests from `source` should be rejected without looking at their credentials.
    public func isBanned(_ source: String, now: Int64) -> Bool {
        guard let until = entries[source]?.bannedUntil else { return false }
        return until > now
    }

    /// Forgets the failures of `source` after it authenticated; an active ban stays.
    public mutating func recordSuccess(from source: String) {
        guard var entry = entries[source] else { return }
        if entry.bannedUntil == nil {
            entries[source] = nil
        } else {
            entry.failures.removeAll()
            entries[source] = entry
        }
    }

    /// Drops sources whose ban has ended and whose failures have all left the window.
    public mutating func prune(now: Int64) {
        let oldest = now - Int64(window)
        entries = entries.filter { _, entry in
            if let until = entry.bannedUntil, until > now { return true }
            return entry.failures.contains { $0 > oldest }
        }
    }

    /// Number of sources currently remembered (for metrics and tests).
    public var trackedSources: Int { entries.count }
}
