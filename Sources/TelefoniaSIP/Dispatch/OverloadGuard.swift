#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// When the server sheds new calls and registrations (`sip.overload_*` keys).
public struct OverloadLimits: Sendable, Equatable {
    /// Share of the signalling thread's time above which new work is shed (`sip.overload_occupancy`, percent).
    public var targetOccupancy = 0.9
    /// Store jobs waiting above which new calls and registrations are refused (`sip.max_pending_store`).
    public var maxPendingStore = 1000
    /// Calls (setting up or up) at which new INVITEs are refused; 0 = no cap (`sip.max_calls`).
    public var maxCalls = 0
    /// Seconds a refused client should wait before trying again (`sip.retry_after`).
    public var retryAfter = 5

    public init() {}
}

/// Sheds new work before it costs anything, like a carrier switch: past capacity a
/// new call or registration is answered `503 Service Unavailable` with `Retry-After`
/// by the dispatcher, before any lookup, port or leg (RFC 3261 §21.5.4, RFC 7339's
/// occupancy idea without the feedback headers).
///
/// Three signals:
/// - **occupancy** of the signalling thread (its CPU time over wall time, sampled every
///   100 ms): above `target` the share of new, unauthenticated INVITEs and REGISTERs let
///   in drops in proportion, below it creeps back up. Requests that answer a challenge
///   are let in (their first half was already admitted and paid for); so are requests
///   inside dialogs. Completed calls per second therefore stay near capacity when twice
///   as much is offered, instead of collapsing under retransmissions;
/// - **store backlog**: more than `maxPendingStore` store jobs waiting refuses every new
///   call and registration (the database cannot keep up);
/// - **calls and media**: at `maxCalls` calls, or with no free RTP port pair, a new
///   INVITE is refused at once.
///
/// Used on the signalling loop only.
final class OverloadGuard {
    /// Why a request was refused; the reason phrase of the 503.
    enum Refusal: String {
        case busy = "Service Unavailable (overloaded)"
        case store = "Service Unavailable (storage backlog)"
        case calls = "Service Unavailable (call limit)"
        case media = "Service Unavailable (no media ports)"
    }

    let limits: OverloadLimits
    /// Share of new unauthenticated requests admitted now (1 = all).
    private(set) var admitted = 1.0
    private var credit = 0.0
    private var last: (thread: Int64, wall: Int64)?

    init(limits: OverloadLimits) {
        self.limits = limits
    }

    /// Whether a new request may go on; `authenticated` when it carries credentials
    /// (it answers a challenge we sent), `call` for an INVITE.
    func admit(call: Bool, authenticated: Bool, storePending: Int, calls: Int, freeMedia: Int) -> Refusal? {
        if call {
            if freeMedia <= 0 { return .media }
            if limits.maxCalls > 0, calls >= limits.maxCalls { return .calls }
        }
        if storePending > limits.maxPendingStore { return .store }
        guard !authenticated, admitted < 1 else { return nil }
        // Deterministic thinning: exactly `admitted` of them go through, evenly spread.
        credit += admitted
        if credit >= 1 {
            credit -= 1
            return nil
        }
        return .busy
    }

    /// Takes a sample of the thread's occupancy (0…1) and adapts the admitted share.
    func update(occupancy: Double) {
        if occupancy > limits.targetOccupancy {
            admitted = max(0.02, admitted * limits.targetOccupancy / occupancy * 0.95)
        } else {
            admitted = min(1, admitted + 0.05)
        }
        if admitted >= 1 { credit = 0 }
    }

    /// Samples the calling thread's occupancy since the last call (nil the first time);
    /// call on the signalling loop.
    func sampleThread() -> Double? {
        let now = (thread: Self.clock(CLOCK_THREAD_CPUTIME_ID), wall: Self.clock(CLOCK_MONOTONIC))
        guard let last else {
            last = now
            return nil
        }
        // Samples closer than 50 ms of real time say little (and a test loop's virtual
        // time runs many ticks in a moment): wait for more.
        guard now.wall - last.wall >= 50_000_000 else { return nil }
        self.last = now
        return min(1, Double(now.thread - last.thread) / Double(now.wall - last.wall))
    }

    private static func clock(_ id: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(id, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
