/// What a batch of calls did.
struct CallRunResult {
    var attempted: Int
    var completed: Int
    var failed: Int
    var seconds: Double
    /// Calls started per second between the first and the last start.
    var achievedRate: Double
    var setupMillis: [Double]
    var peakActive: Int
    var delayedStarts: Int
    var failureReasons: [String: Int]
    var failureTraces: [String]
    var protocolErrors: [String]
    var slowestSetup: (millis: Double, trace: String)?

    func percentile(_ p: Double) -> Double? {
        guard !setupMillis.isEmpty else { return nil }
        let sorted = setupMillis.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
