import NIOConcurrencyHelpers

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
    public var targetOccupancy = 0.97
    /// Store jobs waiting above which new calls and registrations are refused (`sip.max_pending_store`).
    public var maxPendingStore = 1000
    /// Calls (setting up or up) at which new INVITEs are refused; 0 = no cap (`sip.max_calls`).
    public var maxCalls = 0
    /// Seconds a refused client should wait before trying again (`sip.retry_after`).
    public var retryAfter = 5
    /// Wait for the signalling loop that, standing (`HandOverMeter`), sheds every new
    /// call and registration until it clears (`sip.max_queue_delay`, milliseconds).
    public var maxQueueDelay = 50

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
/// Used on the signalling loop, but for `gate`, which a transport may consult on its
/// own thread so shed requests never reach the signalling loop.
final class OverloadGuard: Sendable {
    /// Why a request was refused; the reason phrase of the 503.
    enum Refusal: String {
        case busy = "Service Unavailable (overloaded)"
        case store = "Service Unavailable (storage backlog)"
        case calls = "Service Unavailable (call limit)"
        case media = "Service Unavailable (no media ports)"
    }

    let limits: OverloadLimits
    /// The occupancy-driven thinning of new unauthenticated requests.
    let gate = AdmissionGate()

    init(limits: OverloadLimits) {
        self.limits = limits
    }

    /// Whether a new request may go on; `authenticated` when it carries credentials
    /// (it answers a challenge we sent), `call` for an INVITE; `gated` when the gate was
    /// already applied (by the transport).
    func admit(call: Bool, authenticated: Bool, gated: Bool, storePending: Int, calls: Int, freeMedia: Int) -> Refusal? {
        if call {
            if freeMedia <= 0 { return .media }
            if limits.maxCalls > 0, calls >= limits.maxCalls { return .calls }
        }
        if storePending > limits.maxPendingStore { return .store }
        guard !gated, !authenticated else { return nil }
        return gate.admitsNext() ? nil : .busy
    }

    /// Whether the gate sheds the next new call or registration that does not answer a
    /// challenge: always while a queue of `maxQueueDelay` stands before the signalling
    /// loop (`queueDelay`, nanoseconds), else as the admitted share says. Thread-safe.
    func sheds(queueDelay: Int64) -> Bool {
        if queueDelay > Int64(limits.maxQueueDelay) * 1_000_000 { return true }
        return !gate.admitsNext()
    }

    /// Takes a sample of the busiest thread's occupancy (0…1) and adapts the admitted share
    /// to the smoothed occupancy (each sample weighs 25 %, so one busy 100 ms does not
    /// shed calls at 85 % load): down in proportion when above the target, back up by 5
    /// points a sample below it. A standing queue (`queueDelay` past `maxQueueDelay`,
    /// nanoseconds) says more than occupancy, which cannot read above 100 %: the share
    /// then drops by a fifth a sample, so it meets capacity in a second instead of ten.
    func update(occupancy sample: Double, queueDelay: Int64 = 0) {
        let occupancy = smoothed.withLockedValue { smoothed in
            let next = smoothed.map { 0.75 * $0 + 0.25 * sample } ?? sample
            smoothed = next
            return next
        }
        if queueDelay > Int64(limits.maxQueueDelay) * 1_000_000 {
            gate.adjust { max(0.02, $0 * 0.8) }
            return
        }
        let target = limits.targetOccupancy
        gate.adjust { admitted in
            occupancy > target ? max(0.02, admitted * target / occupancy * 0.97) : min(1, admitted + 0.05)
        }
    }

    private let smoothed = NIOLockedValueBox<Double?>(nil)

    /// To tags of 503s sent without a transaction start with this, so their ACKs can be
    /// dropped where they are parsed.
    static let statelessTagPrefix = "shed"

    /// The 503 a shed request gets: `Retry-After` and the reason.
    func refusal(_ request: SIPMessage, _ refusal: Refusal, peer: SIPPeer, stateless: Bool = false) -> SIPMessage {
        let tag = (stateless ? Self.statelessTagPrefix : "") + SignallingContext.newTag()
        var response = request.response(503, refusal.rawValue, toTag: tag)
        response.setHeader("Retry-After", String(limits.retryAfter))
        if !response.vias.isEmpty { response.vias[0].stampReceived(host: peer.host, port: peer.port) }
        return response
    }
}

/// The share of new, unauthenticated INVITEs and REGISTERs let in while the server is
/// past its target occupancy, thinned deterministically (exactly that share, evenly
/// spread). Thread-safe: the SIP I/O thread consults it per datagram.
final class AdmissionGate: Sendable {
    private struct State {
        var admitted = 1.0
        var credit = 0.0
    }

    private let state = NIOLockedValueBox(State())

    /// Share admitted now (1 = all).
    var admitted: Double { state.withLockedValue { $0.admitted } }

    /// Whether the next new request goes through.
    func admitsNext() -> Bool {
        state.withLockedValue { state in
            guard state.admitted < 1 else { return true }
            state.credit += state.admitted
            guard state.credit >= 1 else { return false }
            state.credit -= 1
            return true
        }
    }

    func adjust(_ change: (Double) -> Double) {
        state.withLockedValue { state in
            state.admitted = change(state.admitted)
            if state.admitted >= 1 { state.credit = 0 }
        }
    }

    /// Whether `message` is a request the gate applies to: a new call or registration
    /// that does not answer a challenge.
    static func applies(to message: SIPMessage) -> Bool {
        guard message.isRequest else { return false }
        switch message.method {
        case "INVITE": return message.to.tag == nil && message.proxyAuthorization.isEmpty
        case "REGISTER": return message.authorization.isEmpty
        default: return false
        }
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
