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
/// - **occupancy** of the signalling and SIP I/O threads (the share of wall time they ran
///   or waited for a core, `ThreadLoad`, sampled every 100 ms; a loop waiting for a core
///   that other processes hold counts as busy): above
///   `target` the share of new, unauthenticated INVITEs and REGISTERs let
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
}

/// How busy a thread is, from the kernel's scheduler statistics
/// (`/proc/self/task/TID/schedstat`: time on a CPU and time runnable but waiting for
/// one): their sum over wall time. Waiting counts, so a loop starved by other processes
/// on a full machine reads as busy, as it is for the calls it delays.
final class ThreadLoad: @unchecked Sendable {
    private let path: String
    private var last: (busy: Int64, wall: Int64)?

    /// The load of the calling thread.
    init() {
        // /proc/thread-self links to "PID/task/TID" of the thread that reads it.
        var target = [CChar](repeating: 0, count: 256)
        let length = readlink("/proc/thread-self", &target, target.count - 1)
        path = length > 0 ? "/proc/" + String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/schedstat" : ""
    }

    /// The share of time since the last sample the thread ran or waited to run (nil on
    /// the first call, when less than 50 ms passed, or where the kernel does not say).
    /// Call from one thread only.
    func sample() -> Double? {
        guard let busy = readBusy() else { return nil }
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let wall = Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
        guard let last else {
            self.last = (busy, wall)
            return nil
        }
        guard wall - last.wall >= 50_000_000 else { return nil }
        self.last = (busy, wall)
        return min(1, Double(busy - last.busy) / Double(wall - last.wall))
    }

    /// Nanoseconds on a CPU plus nanoseconds runnable, the first two fields of schedstat.
    private func readBusy() -> Int64? {
        guard !path.isEmpty, let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 128)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let fields = String(cString: buffer).split(separator: " ")
        guard fields.count >= 2, let running = Int64(fields[0]), let waiting = Int64(fields[1]) else { return nil }
        return running + waiting
    }
}
