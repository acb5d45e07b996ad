import Logging
import NIOConcurrencyHelpers
import NIOCore
import TelefoniaCore

/// The server's call centre (C2): one `QueueCenter` on the signalling loop deciding for
/// every tenant's queues, and the hands it needs — agents' phones rung through the
/// caller's own B leg (`ApplicationHost.connect`, several lines at once for a round),
/// callers told their place, the event log written to the store. A tenant's queues are
/// read again at every caller entering and every `*78`, so changes apply at once.
final class QueueService: @unchecked Sendable {
    /// What a waiting caller's application hears from the centre.
    enum Notice: Sendable {
        case announce(position: Int, estimatedWaitSeconds: Int?)
        case connected(RTPChannel, agent: String)
        /// B4: the caller's callback is booked; it may hang up, keeping its place.
        case callbackBooked
        case overflow(IVRDestination)
        /// The caller's call ended (BYE) while it waited.
        case gone
    }

    private let context: SignallingContext
    private unowned let host: ApplicationHost
    private unowned let b2bua: B2BUA
    let center: QueueCenter
    /// Waiting callers' notice streams, by call id.
    private var waiters: [String: AsyncStream<Notice>.Continuation] = [:]
    /// The offer in progress per caller (so a late failure of a cancelled one is ignored).
    private var attempts: [String: Int] = [:]
    private var attemptCounter = 0
    /// The queue of each caller in it.
    private var queueOf: [String: (tenantID: String, queue: String)] = [:]
    private var timer: Scheduled<Void>?
    /// Power agents' `*78` calls, kept up between queue calls, by tenant and extension.
    private var power: [String: PowerSession] = [:]

    /// A power agent waiting off hook: its channel and what the service tells its application.
    final class PowerSession: @unchecked Sendable {
        enum Event: Sendable {
            /// A caller is coming: stop the music, beep, then call `ready`.
            case call(ready: @Sendable () -> Void)
            /// The queue call is over: music again.
            case done
        }
        let channel: RTPChannel
        let events: AsyncStream<Event>
        let continuation: AsyncStream<Event>.Continuation
        /// The caller it is with, if any.
        var callID: String?

        init(channel: RTPChannel) {
            self.channel = channel
            (events, continuation) = AsyncStream<Event>.makeStream()
        }
    }

    private static func key(_ tenantID: String, _ ext: String) -> String { tenantID + "/" + ext }

    init(context: SignallingContext, host: ApplicationHost, b2bua: B2BUA) {
        self.context = context
        self.host = host
        self.b2bua = b2bua
        self.center = QueueCenter(clock: context.clock, seed: UInt64.random(in: 0...UInt64.max))
    }

    // MARK: - Callers

    /// Puts `call` into queue `name` (on the loop): the notices come on the returned
    /// stream, nil when the tenant has no such queue.
    func enter(_ call: B2BCall, queue name: String, tenantID: String, caller: String)
        -> EventLoopFuture<(notices: AsyncStream<Notice>, music: String, callbackKey: Character?)?> {
        reload(tenantID).map { [self] in
            guard !call.ended, let queue = center.queue(tenantID: tenantID, name: name) else { return nil }
            refreshBusyLines()
            let callID = call.id.rawValue
            let (stream, continuation) = AsyncStream<Notice>.makeStream()
            waiters[callID] = continuation
            guard let actions = center.enter(callID: callID, tenantID: tenantID, queue: name, caller: caller) else {
                waiters[callID] = nil
                return nil
            }
            queueOf[callID] = (tenantID, name)
            context.logger.info("queue: caller in", metadata: ["tel.call_id": "\(callID)", "queue": "\(name)"])
            carryOut(actions)
            return (stream, queue.musicOnHold ?? Prompts.musicOnHold, queue.callbackLine == nil ? nil : queue.callbackKey.first)
        }
    }

    /// The caller's part is over (it hung up, or its call with the agent ended).
    func leave(_ callID: String) {
        waiters.removeValue(forKey: callID)?.finish()
        queueOf[callID] = nil
        attempts[callID] = nil
        for session in power.values where session.callID == callID {
            session.callID = nil
            session.continuation.yield(.done)
        }
        carryOut(center.hangUp(callID: callID))
    }

    /// A power agent's `*78` call, logged in and kept up: the session its application follows.
    func powerSession(_ call: B2BCall, tenantID: String, agent ext: String) -> PowerSession? {
        guard let channel = call.channel else { return nil }
        let session = PowerSession(channel: channel)
        power[Self.key(tenantID, ext)] = session
        return session
    }

    /// The power agent hung up its `*78` call: logged out.
    func powerEnded(tenantID: String, agent ext: String) {
        guard let session = power.removeValue(forKey: Self.key(tenantID, ext)) else { return }
        session.continuation.finish()
        if let callID = session.callID { waiters[callID]?.yield(.gone) }
        carryOut(center.logout(tenantID: tenantID, agent: ext))
    }

    /// The call ended (its BYE) while in the queue or with an agent: the centre hears it
    /// at once (abandon, or the end of the agent's call), and the caller's application stops.
    func callEnded(_ call: B2BCall) {
        if let channel = call.channel, let (key, _) = power.first(where: { $0.value.channel === channel }) {
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            powerEnded(tenantID: parts[0], agent: parts[1])
        }
        let callID = call.id.rawValue
        guard let waiter = waiters[callID] else { return }
        waiter.yield(.gone)
        leave(callID)
    }

    /// B4: the caller pressed the callback key: it keeps its place and may hang up.
    func requestCallback(_ callID: String) {
        guard let actions = center.requestCallback(callID: callID) else { return }
        context.logger.info("queue: callback booked", metadata: ["tel.call_id": "\(callID)"])
        attempts[callID] = nil
        if let call = b2bua.calls[CallID(callID)] { host.cancelConnection(call) }
        waiters.removeValue(forKey: callID).map {
            $0.yield(.callbackBooked)
            $0.finish()
        }
        carryOut(actions)
    }

    /// B4: a callback's turn came with `agent` free: the agent is called first (reserved),
    /// and once it answered, the caller; then they are bridged.
    private func ringCallback(_ callID: String, queue: CallQueue, number: String, agent: String) {
        guard let line = queue.callbackLine else { return carryOut(center.notAnswered(callID: callID)) }
        attemptCounter += 1
        let attempt = attemptCounter
        attempts[callID] = attempt
        let tenantID = queue.tenantID, placedBy = "queue \(queue.name) callback", loop = context.loop
        context.storage.submit(on: loop) { store in try store.tenant(id: tenantID)?.domain ?? tenantID }.whenComplete { [self] result in
            guard attempts[callID] == attempt, case .success(let domain) = result else {
                return carryOut(center.notAnswered(callID: callID))
            }
            var agentLeg: B2BCall?
            agentLeg = b2bua.originate(tenantID: tenantID, line: line, number: agent, domain: domain, placedBy: placedBy) { [self] outcome in
                loop.execute { [self] in
                    guard let agentCall = agentLeg else { return }
                    guard attempts[callID] == attempt else {
                        b2bua.hangUpOriginated(agentCall)
                        return
                    }
                    guard case .answered(let agentChannel) = outcome else {
                        attempts[callID] = nil
                        return carryOut(center.notAnswered(callID: callID))
                    }
                    // The agent hears ringback while the caller is called.
                    let ringback = HoldMusic(channel: agentChannel, audio: .pcm(SIPLineRinger.ringback))
                    ringback.start()
                    var callerLeg: B2BCall?
                    callerLeg = b2bua.originate(tenantID: tenantID, line: line, number: number, domain: domain, placedBy: placedBy) { [self] reached in
                        loop.execute { [self] in
                            attempts[callID] = nil
                            guard case .answered(let callerChannel) = reached, let callerCall = callerLeg else {
                                b2bua.hangUpOriginated(agentCall)
                                return carryOut(center.dropCallback(callID: callID, reason: "callback not answered"))
                            }
                            context.logger.info("queue: callback connected", metadata: ["tel.call_id": "\(callID)", "agent": "\(agent)"])
                            carryOut(center.answered(callID: callID, by: agent))
                            Task {
                                await ringback.stop()
                                try? await agentChannel.bridge(to: callerChannel)
                                loop.execute { [self] in
                                    b2bua.hangUpOriginated(agentCall)
                                    b2bua.hangUpOriginated(callerCall)
                                    carryOut(center.hangUp(callID: callID))
                                }
                            }
                        }
                    }
                    if callerLeg == nil { b2bua.hangUpOriginated(agentCall) }
                }
            }
        }
    }

    // MARK: - Agents

    enum LoginResult { case loggedIn, loggedOut, notAnAgent }

    /// `*78` from line `ext`: logs it in or out of its flex and power queues.
    func toggleLogin(tenantID: String, agent ext: String) -> EventLoopFuture<LoginResult> {
        reload(tenantID).map { [self] in
            if center.isLoggedIn(tenantID: tenantID, agent: ext) {
                carryOut(center.logout(tenantID: tenantID, agent: ext))
                return .loggedOut
            }
            guard let actions = center.login(tenantID: tenantID, agent: ext) else { return .notAnAgent }
            carryOut(actions)
            return .loggedIn
        }
    }

    /// `*79` from line `ext`: pauses or unpauses it; nil when it is not an agent.
    func togglePause(tenantID: String, agent ext: String) -> EventLoopFuture<Bool?> {
        reload(tenantID).map { [self] in
            guard let state = center.agentState(tenantID: tenantID, agent: ext) else { return nil }
            if state.status == .paused {
                carryOut(center.unpause(tenantID: tenantID, agent: ext))
                return false
            }
            carryOut(center.pause(tenantID: tenantID, agent: ext, reason: "agent"))
            return true
        }
    }

    // MARK: - Consoles and supervisors

    private var publishing = false
    private var ticks = 0
    private var countedDay: Int64?

    /// The day number of `millis` in the default time zone (São Paulo, UTC−3 without DST since 2019).
    static func localDay(_ millis: Int64) -> Int64 { (millis - 3 * 3_600_000) / 86_400_000 }

    /// Every tenant's queues, read at start and every minute: the consoles show queues
    /// and basic agents before anyone called.
    private func loadAll() {
        publishing = true
        context.storage.submit(on: context.loop) { store in
            try store.tenants().map { ($0.id, try store.callQueues(tenantID: $0.id)) }
        }.whenComplete { [self] result in
            publishing = false
            if case .success(let all) = result {
                for (tenant, queues) in all where !queues.isEmpty || center.tenants.contains(tenant) {
                    center.configure(tenantID: tenant, queues: queues)
                }
            }
        }
    }
    private var lastPublishedEmpty = false

    /// Once a second: the tenants' queues written for the consoles of other processes
    /// (C3, C4), and supervisors' commands carried out (pause, unpause, log out; C4).
    func tick() {
        refreshBusyLines()
        // The consoles' "calls today" start again at local midnight (the log keeps the history).
        let day = Self.localDay(context.clock.nowMillis())
        if let counted = countedDay, counted != day { center.resetDailyCounters() }
        countedDay = day
        guard !publishing else { return }
        ticks += 1
        if ticks % 60 == 1 { return loadAll() }
        let snapshots = center.tenants.map { center.snapshot(tenantID: $0) }
        guard !(snapshots.isEmpty && lastPublishedEmpty) else { return pollCommands() }
        publishing = true
        let node = context.nodeID
        context.storage.submit(on: context.loop) { store -> [SupervisorCommand] in
            try store.replaceQueueSnapshots(node: node, snapshots: snapshots)
            return try store.pendingQueueCommands()
        }.whenComplete { [self] result in
            publishing = false
            lastPublishedEmpty = snapshots.isEmpty
            switch result {
            case .success(let commands): apply(commands)
            case .failure(let error): context.logger.error("queue live view not written", metadata: ["error": "\(error)"])
            }
        }
    }

    private func pollCommands() {
        publishing = true
        context.storage.submit(on: context.loop) { store in try store.pendingQueueCommands() }.whenComplete { [self] result in
            publishing = false
            if case .success(let commands) = result { apply(commands) }
        }
    }

    /// Supervisors' commands filed in the store, carried out and marked with their result.
    private func apply(_ commands: [SupervisorCommand]) {
        guard !commands.isEmpty else { return }
        for command in commands {
            if let mode = command.action.listenMode {
                host.listenFromConsole(tenantID: command.tenantID, target: command.agent, mode: mode) { [self] outcome in
                    finished(command, outcome)
                }
                continue
            }
            reload(command.tenantID).whenComplete { [self] _ in
                let known = center.agentState(tenantID: command.tenantID, agent: command.agent) != nil
                var outcome = known ? "ok" : "line \(command.agent) is no queue's agent"
                if known {
                    switch command.action {
                    case .listen, .whisper, .barge: break
                    case .pause: carryOut(center.pause(tenantID: command.tenantID, agent: command.agent, reason: command.reason ?? "supervisor"))
                    case .unpause: carryOut(center.unpause(tenantID: command.tenantID, agent: command.agent))
                    case .logout:
                        if center.isLoggedIn(tenantID: command.tenantID, agent: command.agent) {
                            carryOut(center.logout(tenantID: command.tenantID, agent: command.agent))
                        } else {
                            outcome = "line \(command.agent) is not logged in"
                        }
                    }
                }
                finished(command, outcome)
            }
        }
    }

    private func finished(_ command: SupervisorCommand, _ outcome: String) {
        context.logger.info("queue: supervisor command", metadata: [
            "tel.tenant": "\(command.tenantID)", "agent": "\(command.agent)", "action": "\(command.action.rawValue)", "result": "\(outcome)",
        ])
        let (id, now) = (command.id, context.clock.nowMillis())
        context.storage.submit(on: context.loop) { store in try store.complete(queueCommand: id, at: now, result: outcome) }
            .whenFailure { [self] error in context.logger.error("queue command not marked", metadata: ["error": "\(error)"]) }
    }

    /// Lines in a call that is not their queue call (the queue does not offer them calls
    /// unless it rings lines in use): read from the calls in progress.
    private func refreshBusyLines() {
        let tenants = center.tenants
        guard !tenants.isEmpty else { return }
        var busy: [String: Set<String>] = [:]
        let powerChannels = Set(power.values.map { ObjectIdentifier($0.channel) })
        for call in b2bua.calls.values where !call.ended {
            // A power agent's open line is where its queue calls come, not a call of its own.
            if let channel = call.channel, powerChannels.contains(ObjectIdentifier(channel)) { continue }
            if let tenant = call.tenantID, let ext = call.aInvite.from.uri.user { busy[tenant, default: []].insert(ext) }
            if let tenant = call.bTargetTenant, let ext = call.bTargetLine, call.answeredAt != nil || call.connection != nil {
                busy[tenant, default: []].insert(ext)
            }
        }
        for tenant in tenants {
            carryOut(center.setBusyLines(tenantID: tenant, busy: busy[tenant] ?? []), recording: false)
        }
    }

    // MARK: - Internals

    /// Reads the tenant's queues (storage thread) and hands them to the centre (loop).
    private func reload(_ tenantID: String) -> EventLoopFuture<Void> {
        context.storage.submit(on: context.loop) { store in try store.callQueues(tenantID: tenantID) }
            .map { [self] queues in center.configure(tenantID: tenantID, queues: queues) }
            .recover { [self] error in
                context.logger.error("queue: configuration unreadable", metadata: ["tel.tenant": "\(tenantID)", "error": "\(error)"])
            }
    }

    private func carryOut(_ actions: [QueueAction], recording: Bool = true) {
        if actions.isEmpty, !recording { return }
        for action in actions {
            switch action {
            case .ring(let callID, let agents, let seconds):
                ring(callID, agents: agents, seconds: seconds)
            case .stopRinging(let callID):
                attempts[callID] = nil
                if let call = b2bua.calls[CallID(callID)] { host.cancelConnection(call) }
            case .announce(let callID, let position, let wait):
                waiters[callID]?.yield(.announce(position: position, estimatedWaitSeconds: wait))
            case .overflow(let callID, let destination):
                attempts[callID] = nil
                if let call = b2bua.calls[CallID(callID)] { host.cancelConnection(call) }
                waiters.removeValue(forKey: callID).map {
                    $0.yield(.overflow(destination))
                    $0.finish()
                }
            }
        }
        let events = center.drainEvents()
        if !events.isEmpty {
            let logger = context.logger
            context.storage.submit(on: context.loop) { store in try store.record(events) }.whenFailure { error in
                logger.error("queue events not written", metadata: ["error": "\(error)"])
            }
        }
        schedule()
    }

    private func ring(_ callID: String, agents: [String], seconds: Int) {
        if let (queue, number) = center.callback(callID: callID), let agent = agents.first {
            return ringCallback(callID, queue: queue, number: number, agent: agent)
        }
        guard let call = b2bua.calls[CallID(callID)], let channel = call.channel, let tenantID = tenantOf(callID) ?? call.tenantID else {
            carryOut(center.hangUp(callID: callID))
            return
        }
        // A power agent off hook takes the call at once, after a beep.
        if let agent = agents.first(where: { power[Self.key(tenantID, $0)]?.callID == nil && power[Self.key(tenantID, $0)] != nil }),
           let session = power[Self.key(tenantID, agent)] {
            attemptCounter += 1
            let attempt = attemptCounter
            attempts[callID] = attempt
            session.callID = callID
            let loop = context.loop
            session.continuation.yield(.call(ready: { [weak self] in
                loop.execute {
                    guard let self, self.attempts[callID] == attempt else { return }
                    self.attempts[callID] = nil
                    self.carryOut(self.center.answered(callID: callID, by: agent))
                    self.waiters[callID]?.yield(.connected(session.channel, agent: agent))
                }
            }))
            return
        }
        attemptCounter += 1
        let attempt = attemptCounter
        attempts[callID] = attempt
        let caller = call.aInvite.from.uri.user ?? "anonymous"
        host.connect(call, tenantID: tenantID, lines: agents, seconds: seconds, callerID: caller,
                     media: (channel.law, channel.telephoneEventPayloadType != nil)) { [weak self] result in
            guard let self else { return }
            context.loop.execute { self.offered(callID, attempt: attempt, result: result, call: call) }
        }
    }

    private func offered(_ callID: String, attempt: Int, result: LegConnection.Result, call: B2BCall) {
        guard attempts[callID] == attempt else {
            // Cancelled meanwhile (the caller left, timed out): an answer is hung up.
            if case .answered = result, let bye = call.inDialogRequest("BYE", to: .b, context: context), let peer = call.bPeer {
                context.transactions.sendRequest(bye, to: peer) { _ in }
            }
            return
        }
        attempts[callID] = nil
        switch result {
        case .answered(let agentChannel):
            let agent = call.connection?.answeredLine ?? "?"
            context.logger.info("queue: agent answered", metadata: ["tel.call_id": "\(callID)", "agent": "\(agent)"])
            let announcement = queueOf[callID].flatMap { center.queue(tenantID: $0.tenantID, name: $0.queue) }?.agentAnnouncement
            carryOut(center.answered(callID: callID, by: agent))
            guard let announcement else {
                waiters[callID]?.yield(.connected(agentChannel, agent: agent))
                return
            }
            // The agent hears the queue's announcement first, then the caller.
            let loop = context.loop
            Task { [weak self] in
                _ = try? await agentChannel.play(.prompt(announcement), bargeIn: false)
                loop.execute { self?.waiters[callID]?.yield(.connected(agentChannel, agent: agent)) }
            }
        case .failed(let why):
            context.logger.debug("queue: offer not taken", metadata: ["tel.call_id": "\(callID)", "why": "\(why)"])
            carryOut(center.notAnswered(callID: callID))
        }
    }

    /// The queue a caller waits in.
    private func queueName(_ callID: String) -> String? { queueOf[callID]?.queue }

    /// The tenant of a caller the centre knows (DID callers have no calling line).
    private func tenantOf(_ callID: String) -> String? { queueOf[callID]?.tenantID }

    private func schedule() {
        timer?.cancel()
        timer = nil
        guard let deadline = center.nextDeadline else { return }
        let wait = max(0, deadline - context.clock.nowMillis())
        timer = context.loop.scheduleTask(in: .milliseconds(wait)) { [weak self] in
            guard let self else { return }
            timer = nil
            carryOut(center.advance())
        }
    }
}
