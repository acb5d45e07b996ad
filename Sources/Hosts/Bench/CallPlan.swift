import TelefoniaCore

/// How long an answered call stays up before the caller hangs up.
enum HoldPolicy: Equatable {
    case milliseconds(Int)
    /// Until `PhoneFarm.releaseHeldCalls()` (the memory benchmark).
    case untilReleased
}

/// The parameters of one batch of calls.
struct CallPlan {
    var calls: Int
    var rate: Double
    var concurrency: Int
    var hold: HoldPolicy
    var media: Bool
    /// Caller/callee pairs: line 2i calls line 2i+1; a pair carries one call at a time.
    var pairs: [(caller: BenchLine, callee: BenchLine)]
    /// Callers dial the playback test (`*44`) instead of their callee and receive the server's RTP.
    var playback = false
}
