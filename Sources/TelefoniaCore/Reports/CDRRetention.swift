/// How long call records are kept (the manual: reports are available for 90 days).
public struct CDRRetention: Sendable, Equatable {
    public var days: Int

    public init(days: Int = 90) {
        self.days = days
    }

    /// The start time (unix ms) before which records are purged at `now` (unix ms).
    public func cutoff(now: Int64) -> Int64 {
        now - Int64(days) * 86_400_000
    }
}
