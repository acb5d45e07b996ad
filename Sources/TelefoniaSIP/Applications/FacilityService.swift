import Logging
import NIOConcurrencyHelpers
import NIOCore
import TelefoniaCore

/// The facilities that place calls (issue 12), carried out on this server: requests the
/// panel and the CLI file in the store (click2call F4, DISA F5, ad-hoc conference F1,
/// testing an application F7), polled once a second and claimed by one node; the
/// callbacks the engine decides (K1); the voice portal's dialling out (F3). Every call
/// is `B2BUA.originate` through the request's line, so it is routed, permitted, rated,
/// cut off on prepaid credit and recorded as that line's call ("placed by …"). The flows
/// are async code; what touches the call table hops to the signalling loop.
final class FacilityService: @unchecked Sendable {
    let context: SignallingContext
    unowned let host: ApplicationHost
    unowned let b2bua: B2BUA
    /// Requests this node is carrying out, by id, with their tenant (polling again must
    /// not start them twice).
    private var running: [Int64: String] = [:]
    /// Requests carried out at once per tenant, here; more wait their turn (pending), so a
    /// burst of requests cannot turn into a burst of calls (toll fraud, a stuck script).
    static let maxRunningPerTenant = 10
    private var polling = false
    /// Time between a refused callback call and the call back (the caller's phone is
    /// free again and its network has seen the refusal).
    var callbackDelay: TimeAmount = .seconds(2)

    init(context: SignallingContext, host: ApplicationHost, b2bua: B2BUA) {
        self.context = context
        self.host = host
        self.b2bua = b2bua
    }

    private var loop: any EventLoop { context.loop }
    private var logger: Logger { context.logger }

    // MARK: - Requests from the panel and the CLI

    /// This server among nodes sharing a database (its SIP address).
    private var started = false

    /// Once a second, on the loop: pending requests are claimed and started. The first
    /// time, requests this node was running when it stopped are ended as interrupted
    /// (their calls went with the process).
    func tick() {
        guard !polling else { return }
        polling = true
        if !started {
            let (node, now) = (context.nodeID, context.clock.nowMillis())
            context.storage.submit(on: loop) { store in try store.interruptFacilityRequests(node: node, at: now) }.whenComplete { [self] result in
                polling = false
                started = true
                if case .success(let count) = result, count > 0 {
                    context.logger.warning("facility requests interrupted by a restart", metadata: ["count": "\(count)"])
                }
            }
            return
        }
        context.storage.submit(on: loop) { store in try store.pendingFacilityRequests() }.whenComplete { [self] result in
            polling = false
            guard case .success(let requests) = result else { return }
            for request in requests where running[request.id] == nil {
                guard running.values.count(where: { $0 == request.tenantID }) < Self.maxRunningPerTenant else { continue }
                running[request.id] = request.tenantID
                let node = context.nodeID
                context.storage.submit(on: loop) { store in try store.claim(facilityRequest: request.id, node: node) }.whenComplete { [self] claimed in
                    guard case .success(let request?) = claimed else {
                        finished(request)
                        return
                    }
                    Task { await self.carryOut(request) }
                }
            }
        }
    }

    private func carryOut(_ request: FacilityRequest) async {
        var progress = Progress(request: request, service: self)
        logger.info("facility request", metadata: [
            "id": "\(request.id)", "tel.tenant": "\(request.tenantID)", "kind": "\(request.kind.rawValue)",
            "line": "\(request.line)", "numbers": "\(request.numbers.joined(separator: ","))",
        ])
        let domain = await self.domain(of: request.tenantID)
        switch request.kind {
        case .click2call: await click2call(&progress, domain: domain)
        case .disa: await disa(&progress, domain: domain)
        case .conference: await conference(&progress, domain: domain)
        case .test: await test(&progress, domain: domain)
        }
        await progress.finish()
        loop.execute { [self] in finished(request) }
    }

    private func finished(_ request: FacilityRequest) {
        running[request.id] = nil
    }

    /// F4: A first; once A answers it hears ringback while B is called; then they talk.
    private func click2call(_ progress: inout Progress, domain: String) async {
        let request = progress.request
        let (a, b) = (request.numbers[0], request.numbers[1])
        let first = await place(a, for: request, domain: domain)
        progress.leg(a, first.outcome)
        guard case .answered(let aCall, let aChannel) = first else { return progress.result("A \(first.outcome)") }
        let ringback = HoldMusic(channel: aChannel, audio: .pcm(SIPLineRinger.ringback))
        ringback.start()
        let second = await place(b, for: request, domain: domain, while: aChannel)
        await ringback.stop()
        progress.leg(b, second.outcome)
        guard case .answered(let bCall, let bChannel) = second else {
            hangUp(aCall)
            return progress.result(aChannel.isUp ? "B \(second.outcome)" : "A hung up while B was called")
        }
        await progress.connected()
        await talk(aCall, aChannel, bCall, bChannel)
    }

    /// F5: the number answers, hears "digite o número seguido de sustenido", keys a
    /// number, and is bridged to it (both calls through the request's line).
    private func disa(_ progress: inout Progress, domain: String) async {
        let request = progress.request
        let first = await place(request.numbers[0], for: request, domain: domain)
        progress.leg(request.numbers[0], first.outcome)
        guard case .answered(let call, let channel) = first else { return progress.result(first.outcome) }
        guard let keyed = try? await NumberEntry().ask(on: channel) else {
            hangUp(call)
            return progress.result("no number keyed")
        }
        let outcome = await dialOut(keyed, from: channel, tenantID: request.tenantID, line: request.line, domain: domain,
                                    placedBy: request.placedBy)
        progress.leg(keyed, outcome.leg)
        if outcome.connected { await progress.connected() }
        hangUp(call)
        progress.result(outcome.connected ? "connected to \(keyed)" : "\(keyed) \(outcome.leg)")
    }

    /// F1: every number is called at once; each that answers hears how many are in the
    /// room (or that it is alone), a beep, and joins.
    private func conference(_ progress: inout Progress, domain: String) async {
        let request = progress.request
        guard let room = request.target else { return progress.result("no room") }
        let tenant = request.tenantID
        let outcomes = await withTaskGroup(of: (String, String).self) { group in
            for number in request.numbers {
                group.addTask { [self] in
                    let placed = await place(number, for: request, domain: domain)
                    guard case .answered(let call, let channel) = placed else { return (number, placed.outcome) }
                    Task { [self] in
                        await host.conferenceApplication(tenantID: tenant, room: room).run(on: channel, logger: logger)
                        hangUp(call)
                    }
                    return (number, placed.outcome)
                }
            }
            var outcomes: [(String, String)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        let order = Dictionary(request.numbers.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        for (number, outcome) in outcomes.sorted(by: { order[$0.0, default: 0] < order[$1.0, default: 0] }) {
            progress.leg(number, outcome)
        }
        let joined = outcomes.filter { $0.1 == "answered" }.count
        progress.result("\(joined) of \(request.numbers.count) joined room \(room)")
    }

    /// F7: the line rings; answered, it runs the application as a caller would reach it.
    private func test(_ progress: inout Progress, domain: String) async {
        let request = progress.request
        guard let target = request.target.flatMap(FacilityTarget.init(parsing:)) else { return progress.result("unknown application") }
        let placed = await place(request.numbers[0], for: request, domain: domain)
        progress.leg(request.numbers[0], placed.outcome)
        guard case .answered(let call, let channel) = placed else { return progress.result(placed.outcome) }
        progress.result("ran \(target)")
        await progress.connected()
        await run(target, tenantID: request.tenantID, on: call, channel: channel, caller: request.numbers[0])
        hangUp(call)
    }

    // MARK: - Callback (K1) and the voice portal (F3)

    /// The engine refused a callback DID's call: the caller is called back after
    /// `callbackDelay` through the order's line and taken where the DID says.
    func callBack(_ order: CallbackOrder) {
        logger.info("callback booked", metadata: [
            "tel.tenant": "\(order.tenantID)", "number": "\(order.number)", "line": "\(order.line)", "route": "\(order.route)",
        ])
        loop.scheduleTask(in: callbackDelay) { [self] in
            Task { await callingBack(order) }
        }
    }

    private func callingBack(_ order: CallbackOrder) async {
        let domain = await domain(of: order.tenantID)
        let placedBy = "callback from DID \(order.did)"
        let placed = await place(order.number, tenantID: order.tenantID, line: order.line, domain: domain, placedBy: placedBy)
        guard case .answered(let call, let channel) = placed else {
            logger.info("callback not answered", metadata: ["number": "\(order.number)", "outcome": "\(placed.outcome)"])
            return
        }
        switch order.route {
        case .portal:
            await portal(channel, tenantID: order.tenantID, line: order.line, domain: domain, placedBy: placedBy)
        case .number(let number, _):
            _ = await dialOut(number, from: channel, tenantID: order.tenantID, line: order.line, domain: domain, placedBy: placedBy)
        case .ivr(let menu, _):
            await run(.ivr(menu), tenantID: order.tenantID, on: call, channel: channel, caller: order.number)
        }
        hangUp(call)
    }

    /// The voice portal's caller keyed `number`: it is called through `line` and bridged
    /// to the caller's `channel` until one hangs up.
    func portal(_ channel: RTPChannel, tenantID: String, line: String, domain: String? = nil, placedBy: String = "voice portal") async {
        guard let keyed = try? await NumberEntry().ask(on: channel) else { return }
        let domain = if let domain { domain } else { await self.domain(of: tenantID) }
        _ = await dialOut(keyed, from: channel, tenantID: tenantID, line: line, domain: domain, placedBy: placedBy)
    }

    // MARK: - Pieces

    /// What placing one call came to.
    enum Placed {
        case answered(B2BCall, RTPChannel)
        case failed(String)

        var outcome: String {
            switch self {
            case .answered: "answered"
            case .failed(let why): why
            }
        }
    }

    private func place(_ number: String, for request: FacilityRequest, domain: String, while waiting: RTPChannel? = nil) async -> Placed {
        await place(number, tenantID: request.tenantID, line: request.line, domain: domain, placedBy: request.placedBy, while: waiting)
    }

    /// Originates a call to `number` through `line` and waits for its answer. When
    /// `waiting` (the party already on) hangs up meanwhile, the call is given up.
    private func place(_ number: String, tenantID: String, line: String, domain: String, placedBy: String,
                       while waiting: RTPChannel? = nil) async -> Placed {
        let (b2bua, loop) = (self.b2bua, self.loop)
        let box = NIOLockedValueBox<B2BCall?>(nil)
        let watcher = waiting.map { waiting in
            Task {
                while !Task.isCancelled, waiting.isUp { try? await Task.sleep(for: .milliseconds(100)) }
                guard !Task.isCancelled else { return }
                loop.execute { if let call = box.withLockedValue({ $0 }) { b2bua.hangUpOriginated(call) } }
            }
        }
        defer { watcher?.cancel() }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Placed, Never>) in
            loop.execute {
                var placed: B2BCall?
                placed = b2bua.originate(tenantID: tenantID, line: line, number: number, domain: domain, placedBy: placedBy) { outcome in
                    switch outcome {
                    case .answered(let channel):
                        guard let call = placed else { return continuation.resume(returning: .failed("lost")) }
                        continuation.resume(returning: .answered(call, channel))
                    case .failed(let status):
                        continuation.resume(returning: .failed(LegConnection.reason(status)))
                    }
                }
                box.withLockedValue { $0 = placed }
            }
        }
    }

    /// Calls `number` for the party on `channel` (who hears ringback meanwhile) and
    /// bridges them until one hangs up; the placed call is hung up after.
    private func dialOut(_ number: String, from channel: RTPChannel, tenantID: String, line: String, domain: String,
                         placedBy: String) async -> (connected: Bool, leg: String) {
        let ringback = HoldMusic(channel: channel, audio: .pcm(SIPLineRinger.ringback))
        ringback.start()
        let placed = await place(number, tenantID: tenantID, line: line, domain: domain, placedBy: placedBy, while: channel)
        await ringback.stop()
        guard case .answered(let call, let other) = placed else {
            if channel.isUp { try? await channel.play(.prompt(Prompts.unavailable), bargeIn: false) }
            return (false, placed.outcome)
        }
        try? await channel.bridge(to: other)
        hangUp(call)
        return (true, "answered")
    }

    /// Two placed calls talk until one hangs up; then both are hung up.
    private func talk(_ aCall: B2BCall, _ aChannel: RTPChannel, _ bCall: B2BCall, _ bChannel: RTPChannel) async {
        try? await aChannel.bridge(to: bChannel)
        hangUp(aCall)
        hangUp(bCall)
    }

    /// An application run on a call the server placed, as a caller reaching it would.
    private func run(_ target: FacilityTarget, tenantID: String, on call: B2BCall, channel: RTPChannel, caller: String) async {
        if case .room(let room) = target {
            return await host.conferenceApplication(tenantID: tenantID, room: room).run(on: channel, logger: logger)
        }
        guard let destination = target.ivrDestination else { return }
        let application = await withCheckedContinuation { continuation in
            loop.execute { [self] in
                continuation.resume(returning: host.handOff(call, tenantID: tenantID, to: destination, caller: caller))
            }
        }
        await application.run(on: channel, logger: logger)
    }

    private func hangUp(_ call: B2BCall) {
        loop.execute { [b2bua] in b2bua.hangUpOriginated(call) }
    }

    private func domain(of tenantID: String) async -> String {
        (try? await context.storage.submit(on: loop) { store in try store.tenant(id: tenantID)?.domain }.get()) ?? tenantID
    }

    fileprivate func write(_ request: FacilityRequest) async {
        do {
            try await context.storage.submit(on: loop) { store in try store.update(request) }.get()
        } catch {
            logger.error("facility request not written", metadata: ["id": "\(request.id)", "error": "\(error)"])
        }
    }
}

/// A request's legs and outcome as they come, written to the store for whoever asked.
private struct Progress {
    var request: FacilityRequest
    unowned let service: FacilityService

    mutating func leg(_ number: String, _ outcome: String) {
        request.legs.append(FacilityRequest.Leg(number: number, outcome: outcome))
    }

    mutating func result(_ text: String) {
        request.result = text
    }

    /// The parties talk (or the application runs): written now, so the asker sees it.
    mutating func connected() async {
        if request.result == nil { request.result = "connected" }
        await service.write(request)
    }

    mutating func finish() async {
        request.state = .done
        request.doneAt = service.context.clock.nowMillis()
        if request.result == nil { request.result = "connected" }
        await service.write(request)
    }
}
