import Logging
import Metrics

/// Settings of the call engine.
public struct CallEngineConfiguration: Sendable, Equatable {
    /// Ring time for calls to the public network (lines use their own `ringTimeout`).
    public var trunkRingTimeout: Int
    /// When set, replaces every line's own ring timeout.
    public var ringTimeoutOverride: Int?
    /// Codes a line dials to reach a server application, e.g. "*43" → "echo".
    public var applications: [String: String] = [
        "*43": "echo", "*44": "playback", "*45": "record-test", "*55": "balance", "*78": "queue-login", "*79": "queue-pause",
    ]
    /// Toll-fraud limits on calls to the public network (B8), on by default.
    public var fraud = FraudLimits()
    /// Offset of the tenants' local time from UTC, for "today" of the daily spend caps
    /// (America/Sao_Paulo: UTC−3, without daylight saving since 2019).
    public var utcOffsetSeconds = -3 * 3600
    public init(trunkRingTimeout: Int = 60, ringTimeoutOverride: Int? = nil, fraud: FraudLimits = FraudLimits()) {
        self.trunkRingTimeout = trunkRingTimeout
        self.ringTimeoutOverride = ringTimeoutOverride
        self.fraud = fraud
    }
}

/// The call engine: decides routing, permissions, timeouts and what each call
/// records. Events in, actions out: it reads configuration through a
/// `CallDataSource` and writes nothing (records and prepaid debits leave as
/// `.record` actions). Not thread-safe by design: one owner (an event loop or an
/// actor) feeds it, so no two events of a call race (architecture principle 4).
///
/// Two ways to feed it: `handle(_:)` reads the source given at init as it decides
/// (the simulator, tests, a store in memory); an owner that must not wait on storage
/// asks `dataNeeded(for:)`, reads that off its thread with `prefetch(_:from:)`,
/// and calls `handle(_:using:)` with the snapshot.
public final class CallEngine {
    struct CallState {
        enum Phase { case dialling, ringing, answered }
        var tenantID: String
        var line: String?
        var direction: CallDirection
        var caller: String
        var dialled: String
        var normalized: String
        var numberClass: NumberClass?
        var trunkID: String?
        var startedAt: Int64
        var answeredAt: Int64?
        var phase: Phase
        /// A line of the call has the `record` permission (T2).
        var recorded = false
        /// The tenant has no tariff plan: the record has no cost.
        var unrated = false
        /// A call to the public network counted by the fraud guard.
        var publicCall = false
        /// Why the fraud guard flagged the call (it went through), for its record.
        var fraudFlag: String?
        /// The line the call rings, while it rings one (busy lines, forwarding).
        var target: String?
        /// Where the ringing line forwards on busy / no answer (T1).
        var forwardBusy: String?
        var forwardNoAnswer: String?
        /// Forwards so far (a loop of forwards ends after `maxForwards`).
        var forwards = 0
        /// "forwarded by 1001 (busy)", added to the record's reason.
        var note: String?
        /// The ringing line has a voicemail box that takes what it does not answer (T5).
        var voicemail = false
        /// Ring time the placer asked for (a campaign's), instead of the line's or trunk's.
        var ringSeconds: Int?
    }

    /// Forwards one call may take before it is refused (a loop of forwards).
    public static let maxForwards = 3
    /// Forwards being routed inside the current event (they nest).
    var forwardDepth = 0

    /// What `handle(_:)` reads.
    private let source: any CallDataSource
    /// What the event being handled reads: `source`, or a prefetched snapshot.
    @exclusivity(unchecked) var data: any CallDataSource
    let clock: any WallClock
    let configuration: CallEngineConfiguration
    let logger: Logger
    var calls: [CallID: CallState] = [:]
    private let activeGauge: Gauge?
    /// One counter per disposition, made once rather than per ended call.
    private let endedCounters: [Disposition: Counter]
    /// Prices calls and guards prepaid credit. Calls of tenants without a plan are not rated.
    private let billing: CallBilling
    /// Toll-fraud limits (B8).
    private let fraud: FraudGuard
    /// How often a caller may be called back (K1).
    var callbacks = CallbackGuard()

    /// - Parameters:
    ///   - store: where `handle(_:)` reads lines, DIDs, plans and balances.
    ///   - prepaidGrantSeconds: talk time a prepaid call reserves from the balance at a
    ///     time (see `CallBilling`); the cut-off is exact whatever the value.
    ///   - metrics: where gauges and counters go (the process-wide factory by default);
    ///     nil for a scratch engine (`prefetch`), which must not move them.
    public init(store: any CallDataSource, clock: any WallClock, configuration: CallEngineConfiguration = .init(),
                logger: Logger = Logger(label: "telefonia.engine"), prepaidGrantSeconds: Int = 300,
                metrics: (any MetricsFactory)? = MetricsSystem.factory) {
        self.source = store
        self.data = store
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        self.billing = CallBilling(grantSeconds: prepaidGrantSeconds, logger: logger)
        self.fraud = FraudGuard(limits: configuration.fraud, logger: logger, metrics: metrics)
        self.activeGauge = metrics.map { Gauge(label: "telefonia.calls.active", factory: $0) }
        self.endedCounters = metrics.map { factory in
            Dictionary(uniqueKeysWithValues: Disposition.allCases.map {
                ($0, Counter(label: "telefonia.calls.ended", dimensions: [("disposition", $0.rawValue)], factory: factory))
            })
        } ?? [:]
    }

    /// Calls the engine is tracking (dialling, ringing or answered).
    public var activeCallCount: Int { calls.count }

    /// Whether the engine still tracks call `id` (a refused offer it never kept, or a
    /// call it finished, is not).
    public func isTracking(_ id: CallID) -> Bool { calls[id] != nil }

    /// Calls through trunk `id` now, both ways (its `maxCalls` counts them).
    public func activeCalls(onTrunk id: String) -> Int { calls.values.reduce(0) { $0 + ($1.trunkID == id ? 1 : 0) } }

    /// What deciding `event` will read, if anything: the owner reads it off its
    /// thread (`prefetch`) and then calls `handle(_:using:)`. Ask right before handling:
    /// the answer depends on the call's state.
    public func dataNeeded(for event: CallEvent) -> CallDataRequest? {
        switch event {
        case .offered(let offer):
            return .routing(offer)
        case .rejected(let id, let status):
            return forwardOffer(id, status: status).map { .routing($0) }
        case .timerFired(let id, .ring):
            return forwardOffer(id, status: 480).map { .routing($0) }
        case .answered(let id), .pickedUp(let id, _):
            guard let call = calls[id], call.phase != .answered else { return nil }
            return billing.creditRequest(id, now: clock.nowMillis())
        case .timerFired(let id, .credit):
            guard calls[id]?.phase == .answered else { return nil }
            return billing.creditRequest(id, now: clock.nowMillis())
        default:
            return nil
        }
    }

    /// Reads what a request names from `source`, on any thread; the snapshot answers
    /// the same reads when the owning engine decides. Routing is run once in a scratch
    /// engine (no metrics, no logs) against a recording of `source`, so the snapshot
    /// holds exactly what the decision reads.
    public static func prefetch(_ request: CallDataRequest, from source: any CallDataSource, clock: any WallClock,
                                configuration: CallEngineConfiguration) throws -> CallDataSnapshot {
        switch request {
        case .credit(let tenantID, let callID, let upToCents, let seconds, let now):
            let credit = try source.holdCredit(tenantID: tenantID, callID: callID, upToCents: upToCents, seconds: seconds, now: now)
            return CallDataSnapshot(credit: credit, callID: callID)
        case .routing(let offer):
            let recording = CallDataSnapshot(recording: source)
            let scratch = CallEngine(
                store: recording, clock: clock, configuration: configuration,
                logger: Logger(label: "telefonia.engine.prefetch", factory: { _ in SwiftLogNoOpLogHandler() }), metrics: nil)
            _ = scratch.handle(.offered(offer))
            return recording.frozen()
        }
    }

    /// Feeds one event, reading from `data` (a prefetched snapshot) instead of the
    /// engine's own source.
    public func handle(_ event: CallEvent, using data: any CallDataSource) -> [CallAction] {
        self.data = data
        defer { self.data = source }
        return handle(event)
    }

    /// Feeds one event and returns what the adapter must do, in order.
    public func handle(_ event: CallEvent) -> [CallAction] {
        switch event {
        case .offered(let offer):
            return offered(offer)
        case .ringing(let id):
            guard var call = calls[id], call.phase == .dialling else { return [] }
            call.phase = .ringing
            calls[id] = call
            return [.ring(id)]
        case .answered(let id):
            guard var call = calls[id], call.phase != .answered else { return [] }
            call.phase = .answered
            call.answeredAt = clock.nowMillis()
            calls[id] = call
            let answer: [CallAction] = [.cancelTimer(id, .ring), .answer(id)] + (call.recorded ? [.startRecording(id, tenantID: call.tenantID, line: call.line)] : [])
            // A prepaid call runs on credit from its answer; 0 s left means it is cut at once.
            guard let credit = billing.answered(id, now: call.answeredAt!, data: data) else { return answer }
            guard credit > 0 else {
                return answer + creditExhausted(id, call)
            }
            return answer + [.startTimer(id, .credit, seconds: credit)]
        case .transferred(let id, let to):
            guard var call = calls[id], call.phase == .answered else { return [] }
            call.note = (call.note.map { $0 + "; " } ?? "") + "transferred to \(to)"
            call.target = to
            calls[id] = call
            return []
        case .pickedUp(let id, let by):
            guard var call = calls[id], call.phase != .answered else { return [] }
            call.note = (call.note.map { $0 + "; " } ?? "") + "picked up by \(by)"
            call.target = by
            calls[id] = call
            return [.cancel(id)] + handle(.answered(id))
        case .rejected(let id, let status):
            guard let call = calls[id], call.phase != .answered else { return [] }
            if let forward = forwardOffer(id, status: status) {
                return [.cancelTimer(id, .ring)]
                    + forwarded(forward, from: call, why: Self.disposition(forFailure: status) == .busy ? "busy" : "no answer")
            }
            if call.voicemail, [.busy, .noAnswer, .failed].contains(Self.disposition(forFailure: status)) {
                return [.cancelTimer(id, .ring)] + toVoicemail(id, call, why: Self.disposition(forFailure: status) == .busy ? "busy" : "no answer")
            }
            let disposition = Self.disposition(forFailure: status)
            return [.cancelTimer(id, .ring)]
                + finish(id, call, disposition: disposition, cause: status, reason: "callee answered \(status)")
                + [.reject(id, status: status, reason: "callee answered \(status)"), .release(id)]
        case .hungUp(let id, let side):
            guard let call = calls[id] else { return [] }
            guard call.phase == .answered else {
                return handle(.cancelled(id))
            }
            let who = side == .a ? "caller" : "callee"
            return finish(id, call, disposition: .answered, cause: 200, reason: "\(who) hung up")
                + [.hangUp(id, side: side == .a ? .b : .a), .release(id)]
        case .cancelled(let id):
            guard let call = calls[id], call.phase != .answered else { return [] }
            return [.cancelTimer(id, .ring), .cancel(id)]
                + finish(id, call, disposition: .cancelled, cause: 487, reason: "caller cancelled")
                + [.reject(id, status: 487, reason: "Request Terminated"), .release(id)]
        case .timerFired(let id, .ring):
            guard let call = calls[id], call.phase != .answered else { return [] }
            if let forward = forwardOffer(id, status: 480) {
                return [.cancel(id)] + forwarded(forward, from: call, why: "no answer")
            }
            if call.voicemail {
                return [.cancel(id)] + toVoicemail(id, call, why: "no answer")
            }
            return [.cancel(id)]
                + finish(id, call, disposition: .noAnswer, cause: 480, reason: "no answer")
                + [.reject(id, status: 480, reason: "No Answer"), .release(id)]
        case .timerFired(let id, .credit):
            guard let call = calls[id], call.phase == .answered else { return [] }
            switch billing.renew(id, now: clock.nowMillis(), data: data) {
            case .extend(let seconds):
                return [.startTimer(id, .credit, seconds: seconds)]
            case .exhausted:
                return creditExhausted(id, call)
            }
        case .mediaTimeout(let id):
            guard let call = calls[id], call.phase == .answered else { return [] }
            return finish(id, call, disposition: .answered, cause: 200, reason: "no media")
                + [.hangUp(id, side: .a), .hangUp(id, side: .b), .release(id)]
        case .shutdown:
            var actions: [CallAction] = []
            for id in calls.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
                guard let call = calls[id] else { continue }
                if call.phase == .answered {
                    actions += finish(id, call, disposition: .answered, cause: 200, reason: "server shutdown")
                        + [.hangUp(id, side: .a), .hangUp(id, side: .b), .release(id)]
                } else {
                    actions += [.cancelTimer(id, .ring), .cancel(id)]
                        + finish(id, call, disposition: .failed, cause: 503, reason: "server shutdown")
                        + [.reject(id, status: 503, reason: "Service Unavailable"), .release(id)]
                }
            }
            return actions
        }
    }

    /// Milliseconds since midnight of `now`'s day in the tenants' local time.
    private func localMillisOfDay(_ now: Int64) -> Int64 {
        let day: Int64 = 86_400_000
        return ((now + Int64(configuration.utcOffsetSeconds) * 1000) % day + day) % day
    }

    /// Midnight of `now`'s day in the tenants' local time, as unix ms.
    private func dayStart(_ now: Int64) -> Int64 { now - localMillisOfDay(now) }

    /// SIP final status of the B leg → CDR disposition.
    public static func disposition(forFailure status: Int) -> Disposition {
        switch status {
        case 486, 600, 603: return .busy
        case 408, 480: return .noAnswer
        case 487: return .cancelled
        default: return .failed
        }
    }

    // MARK: - Routing

    func offered(_ offer: CallOffer) -> [CallAction] {
        let now = clock.nowMillis()
        let dialled = String(offer.dialled.filter { !" -.()".contains($0) })
        do {
            switch offer.origin {
            case .line(let tenantID, let ext):
                return try fromLine(offer, tenantID: tenantID, ext: ext, dialled: dialled, now: now)
            case .trunk(let trunkID):
                return try fromTrunk(offer, trunkID: trunkID, dialled: dialled, now: now)
            }
        } catch {
            logger.error("routing failed", metadata: ["tel.call_id": "\(offer.callID)", "error": "\(error)"])
            return [.reject(offer.callID, status: 500, reason: "Server Internal Error")]
        }
    }

    private func fromLine(_ offer: CallOffer, tenantID: String, ext: String, dialled: String, now: Int64) throws -> [CallAction] {
        guard let tenant = try data.tenant(id: tenantID), let line = try data.line(tenantID: tenantID, extensionNumber: ext) else {
            return [.reject(offer.callID, status: 403, reason: "Unknown line")]
        }
        var state = CallState(
            tenantID: tenantID, line: ext, direction: .internalCall, caller: ext, dialled: offer.dialled,
            normalized: dialled, numberClass: .internalCall, trunkID: nil, startedAt: now, answeredAt: nil, phase: .dialling)
        state.recorded = line.permissions.contains(.record)
        state.note = offer.placedBy.map { "placed by \($0)" }
        state.ringSeconds = offer.ringSeconds
        if let application = configuration.applications[dialled] {
            return try dialApplication(application, offer.callID, state)
        }
        if let wanted = PickupDialling.request(dialled: dialled) {
            return try pickup(wanted, by: ext, offer.callID, state)
        }
        if dialled == VoicemailRetrievalApplication.code {
            // T5: a line hears its own voicemail box.
            return try dialApplication(VoicemailRetrievalApplication.name(tenantID: tenantID, extensionNumber: ext), offer.callID, state)
        }
        if FeatureCodes.request(dialled: dialled) != nil {
            // T1/P5: *26, *21N… change the caller's own line (the application writes it).
            return try dialApplication(FeatureCodes.applicationPrefix + tenantID + ":" + ext + ":" + dialled, offer.callID, state)
        }
        if let listen = ListenDialling.target(dialled: dialled) {
            guard let target = try data.line(tenantID: tenantID, extensionNumber: listen.extensionNumber) else {
                return reject(offer.callID, state, status: 404, disposition: .failed, reason: "no line \(listen.extensionNumber)")
            }
            guard target.permissions.contains(.listenable) else {
                return reject(offer.callID, state, status: 403, disposition: .denied,
                              reason: "line \(listen.extensionNumber) may not be listened to")
            }
            let application = ListenDialling.applicationName(mode: listen.mode, tenantID: tenantID, extensionNumber: listen.extensionNumber)
            return try dialApplication(application, offer.callID, state)
        }
        if let room = ConferenceDialling.roomNumber(dialled: dialled) {
            // F6: *91 + room joins a room of the caller's own tenant.
            guard try data.room(tenantID: tenantID, number: room) != nil else {
                return reject(offer.callID, state, status: 404, disposition: .failed, reason: "no conference room \(room)")
            }
            return try dialApplication(ConferenceDialling.applicationName(tenantID: tenantID, number: room), offer.callID, state)
        }
        if let menu = IVRDialling.menuNumber(dialled: dialled) {
            // L5: *92 + menu runs an IVR menu of the caller's own tenant.
            guard try data.ivrMenu(tenantID: tenantID, number: menu) != nil else {
                return reject(offer.callID, state, status: 404, disposition: .failed, reason: "no IVR \(menu)")
            }
            return try dialApplication(IVRDialling.applicationName(tenantID: tenantID, number: menu), offer.callID, state)
        }
        if let target = try data.line(tenantID: tenantID, extensionNumber: dialled) {
            let (refusal, rated) = try billing.offer(offer.callID, tenantID: tenantID, numberClass: .internalCall, e164: nil, data: data)
            state.unrated = !rated
            if let refusal {
                return reject(offer.callID, state, status: refusal.status, disposition: refusal.disposition, reason: refusal.reason)
            }
            return try dialLine(offer.callID, state: state, target: target, domain: tenant.domain, callerID: ext)
        }
        state.direction = .outbound
        let number: NormalizedNumber
        do {
            number = try NumberPlan(homeArea: tenant.areaCode).normalize(dialled)
        } catch {
            state.numberClass = nil
            return reject(offer.callID, state, status: 484, disposition: .failed, reason: "\(error)")
        }
        state.normalized = number.e164
        state.numberClass = number.numberClass
        guard line.permissions.allows(number.numberClass) else {
            return reject(offer.callID, state, status: 403, disposition: .denied,
                          reason: "line \(ext) may not call \(number.numberClass.rawValue) numbers")
        }
        // Toll-fraud limits (B8); emergency calls are never held back.
        let limited = number.numberClass != .emergency
        // Calls a facility places (a campaign, a callback) are paced by their own
        // concurrency, which the tenant's administrator set: the per-line and per-tenant
        // rate and concurrency limits, which catch stolen phone credentials, are for the
        // calls phones place. The daily spend caps bind both.
        let placedByPhone = offer.placedBy == nil
        if limited, placedByPhone, let reason = fraud.refusal(tenantID: tenantID, line: ext, now: now) {
            return reject(offer.callID, state, status: 403, disposition: .denied, reason: reason)
        }
        let (refusal, rated) = try billing.offer(offer.callID, tenantID: tenantID, numberClass: number.numberClass, e164: number.e164, data: data)
        state.unrated = !rated
        if let refusal {
            return reject(offer.callID, state, status: refusal.status, disposition: refusal.disposition, reason: refusal.reason)
        }
        if limited, fraud.capsSpend, let firstCents = billing.postpaidFirstCost(offer.callID) {
            let international = number.numberClass == .international
            let spent = try data.spentCents(tenantID: tenantID, since: dayStart(now), international: international)
            if let reason = fraud.spendRefusal(tenantID: tenantID, line: ext, international: international,
                                               spentCents: spent, firstCents: firstCents) {
                return reject(offer.callID, state, status: 403, disposition: .denied, reason: reason)
            }
        }
        let trunk = try tenant.trunkID.flatMap { try data.trunk(id: $0) } ?? data.trunks().first
        guard let trunk else {
            return reject(offer.callID, state, status: 503, disposition: .failed, reason: "no trunk for public calls")
        }
        if let limit = trunk.maxCalls, activeCalls(onTrunk: trunk.id) >= limit {
            return reject(offer.callID, state, status: 503, disposition: .failed, reason: "trunk \(trunk.id) is full (\(limit) calls)")
        }
        state.trunkID = trunk.id
        if limited, placedByPhone {
            state.publicCall = true
            fraud.started(tenantID: tenantID, line: ext, now: now)
            let localHour = Int(localMillisOfDay(now) / 3_600_000)
            if number.numberClass == .international, fraud.watchesNight(localHour: localHour) {
                // Read whatever the burst count says: a prefetch (a scratch engine without
                // this engine's counts) must read exactly what the decision reads.
                let quiet = try data.spentCents(tenantID: tenantID, since: now - 30 * 86_400_000, international: true) == 0
                if fraud.isNightBurst(tenantID: tenantID, now: now), quiet {
                    state.fraudFlag = fraud.flagNightBurst(tenantID: tenantID, line: ext)
                }
            }
        }
        keep(offer.callID, state)
        return [
            .dial(offer.callID, .trunk(trunk, number: number.e164), callerID: line.callerID ?? ext),
            .startTimer(offer.callID, .ring, seconds: state.ringSeconds ?? configuration.trunkRingTimeout),
        ]
    }

    private func fromTrunk(_ offer: CallOffer, trunkID: String, dialled: String, now: Int64) throws -> [CallAction] {
        let e164 = dialled.hasPrefix("+") ? dialled : "+" + dialled
        var state = CallState(
            tenantID: "", line: nil, direction: .inbound, caller: offer.caller, dialled: offer.dialled,
            normalized: e164, numberClass: nil, trunkID: trunkID, startedAt: now, answeredAt: nil, phase: .dialling)
        guard let did = try data.did(number: e164) else {
            return reject(offer.callID, state, status: 404, disposition: .failed, reason: "number \(e164) is not a DID here")
        }
        state.tenantID = did.tenantID
        state.line = did.extensionNumber
        if case .ivr(let menu)? = did.route {
            // T3: the DID is answered by an IVR menu of its tenant.
            guard try data.ivrMenu(tenantID: did.tenantID, number: menu) != nil else {
                return reject(offer.callID, state, status: 404, disposition: .failed, reason: "DID \(e164) points to a missing IVR")
            }
            return try dialApplication(IVRDialling.applicationName(tenantID: did.tenantID, number: menu), offer.callID, state)
        }
        if case .group(let name)? = did.route {
            // T3, L3: the DID rings a call group of its tenant.
            guard try data.callGroup(tenantID: did.tenantID, name: name) != nil else {
                return reject(offer.callID, state, status: 404, disposition: .failed, reason: "DID \(e164) points to a missing group")
            }
            return try dialApplication(IVRDialling.groupApplicationName(tenantID: did.tenantID, name: name), offer.callID, state)
        }
        if case .queue(let name)? = did.route {
            // T3, C2: the DID's callers wait in a queue of its tenant.
            guard try data.callQueue(tenantID: did.tenantID, name: name) != nil else {
                return reject(offer.callID, state, status: 404, disposition: .failed, reason: "DID \(e164) points to a missing queue")
            }
            return try dialApplication(IVRDialling.queueApplicationName(tenantID: did.tenantID, name: name), offer.callID, state)
        }
        if case .voicemail(let ext)? = did.route {
            // T3, T5: the DID is answered by a line's voicemail box.
            guard try data.line(tenantID: did.tenantID, extensionNumber: ext) != nil else {
                return reject(offer.callID, state, status: 404, disposition: .failed, reason: "DID \(e164) points to a missing line")
            }
            state.note = "voicemail of \(ext) (DID)"
            return try dialApplication(VoicemailDepositApplication.name(tenantID: did.tenantID, extensionNumber: ext), offer.callID, state)
        }
        if case .portal? = did.route {
            return try portal(offer, state, did: did)
        }
        if case .callback(let route)? = did.route {
            return try callBack(offer, state, did: did, route: route)
        }
        guard let target = try data.line(tenantID: did.tenantID, extensionNumber: did.extensionNumber) else {
            return reject(offer.callID, state, status: 404, disposition: .failed, reason: "DID \(e164) points to a missing line")
        }
        state.unrated = try !billing.track(offer.callID, tenantID: did.tenantID, data: data)
        let domain = try data.tenant(id: did.tenantID)?.domain ?? did.tenantID
        return try dialLine(offer.callID, state: state, target: target, domain: domain, callerID: offer.caller)
    }

    /// A call the server answers itself (echo, rooms, listening): tracked (free under a
    /// plan), then the application is dialled.
    func dialApplication(_ application: String, _ id: CallID, _ state: CallState) throws -> [CallAction] {
        var state = state
        state.unrated = try !billing.track(id, tenantID: state.tenantID, data: data)
        keep(id, state)
        return [.dial(id, .application(application), callerID: state.caller)]
    }

    /// Starts tracking a call that goes on.
    func keep(_ id: CallID, _ state: CallState) {
        calls[id] = state
        activeGauge?.record(calls.count)
    }

    func reject(_ id: CallID, _ state: CallState, status: Int, disposition: Disposition, reason: String) -> [CallAction] {
        [settled(cdr(id, state, disposition: disposition, cause: status, reason: reason, end: state.startedAt), unrated: state.unrated),
         .reject(id, status: status, reason: reason)]
    }

    private func finish(_ id: CallID, _ state: CallState, disposition: Disposition, cause: Int, reason: String,
                        creditTimerFired: Bool = false) -> [CallAction] {
        calls[id] = nil
        if state.publicCall, let line = state.line { fraud.ended(tenantID: state.tenantID, line: line) }
        activeGauge?.record(calls.count)
        endedCounters[disposition]?.increment()
        let stopCredit: [CallAction] = billing.hasCreditTimer(id) && !creditTimerFired ? [.cancelTimer(id, .credit)] : []
        return stopCredit + [settled(cdr(id, state, disposition: disposition, cause: cause, reason: reason, end: clock.nowMillis()), unrated: state.unrated)]
    }

    /// A prepaid call whose balance is used up: both legs get a BYE (R5).
    private func creditExhausted(_ id: CallID, _ state: CallState) -> [CallAction] {
        finish(id, state, disposition: .answered, cause: 200, reason: "credit exhausted", creditTimerFired: true)
            + [.hangUp(id, side: .a), .hangUp(id, side: .b), .release(id)]
    }

    /// The record with its cost under the tenant's plan, and the prepaid debit to write with it.
    private func settled(_ record: CDR, unrated: Bool) -> CallAction {
        var record = record
        let (cost, debit) = billing.settle(record, unrated: unrated, data: data)
        record.costCents = cost
        return .record(record, debit: debit)
    }

    private func cdr(_ id: CallID, _ s: CallState, disposition: Disposition, cause: Int, reason: String, end: Int64) -> CDR {
        var reason = s.fraudFlag.map { reason + FraudLimits.flagMarker + $0 + ")" } ?? reason
        if let note = s.note { reason += " (\(note))" }
        return CDR(id: id.rawValue, tenantID: s.tenantID, line: s.line, direction: s.direction, caller: s.caller,
            dialled: s.dialled, normalized: s.normalized, numberClass: s.numberClass, startedAt: s.startedAt,
            answeredAt: s.answeredAt, endedAt: end, disposition: disposition, sipCause: cause, reason: reason,
            trunkID: s.trunkID)
    }

    // MARK: - Live view

    /// The calls in progress, for the live views (L1).
    public func liveCalls() -> [LiveCall] {
        calls.map { id, s in
            LiveCall(
                callID: id.rawValue, tenantID: s.tenantID, line: s.line, direction: s.direction, caller: s.caller,
                dialled: s.dialled, normalized: s.normalized, numberClass: s.numberClass,
                state: s.phase == .answered ? .talking : (s.phase == .ringing ? .ringing : .dialling),
                startedAt: s.startedAt, answeredAt: s.answeredAt)
        }.sorted { $0.startedAt < $1.startedAt }
    }
}
