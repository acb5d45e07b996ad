/// The queues of every tenant and their agents, as one state machine on a clock (C2,
/// B5): callers enter, wait, are offered to agents round by round as each queue's
/// strategy says, and leave answered, abandoned or to the overflow; agents log in, pause,
/// take calls and wrap up. It decides; its host rings, plays and bridges, and reports
/// back. Every decision is written to the event log (`drainEvents`).
///
/// An agent serving several queues gets the caller who has waited longest across them,
/// the queue's weight breaking ties (B5). Not thread-safe: one owner, one thread (the
/// server's signalling loop, or a simulation).
public final class QueueCenter {
    private struct QueueKey: Hashable {
        var tenantID: String
        var name: String
    }

    private struct AgentKey: Hashable {
        var tenantID: String
        var ext: String
    }

    private enum CallerState {
        /// Waiting for an attempt due at that time.
        case waiting(due: Int64)
        /// Offered to `round`; `rest` are the rounds still to try in this attempt.
        case ringing(round: [String], rest: [[String]])
        case connected(agent: String, since: Int64)
    }

    private struct Caller {
        var callID: String
        var queue: QueueKey
        var number: String
        var enteredAt: Int64
        var state: CallerState
        var nextAnnounceAt: Int64?
        /// B4: hung up to be called back at this number when its turn comes.
        var callback: String?
    }

    private struct Agent {
        var key: AgentKey
        /// Queues listing the agent's line, and whether each needs a login (flex, power).
        var memberOf: [String: AgentMode] = [:]
        /// Queues the agent takes calls from (basic: the queues listing it; flex and power: those it logged into).
        var queues: Set<String> = []
        /// Logged in with `*78` (counts for the flex and power queues only).
        var loggedIn = false
        var paused: String?
        var lineBusy = false
        var offeredTo: String?
        var talkingWith: String?
        var wrapUpUntil: Int64 = 0
        var idleSince: Int64?
        var answeredToday = 0
        var missedInRow = 0
        var lastCallAt: Int64?
    }

    /// Every agent, and the idle ones (logged in, not paused, not offered a call, not in
    /// one) kept apart so finding a free agent does not walk a large call centre's
    /// whole staff at every event. Wrap-up and a busy line are checked when asked.
    private struct AgentTable {
        private(set) var all: [AgentKey: Agent] = [:]
        private(set) var idle: Set<AgentKey> = []

        subscript(key: AgentKey) -> Agent? {
            get { all[key] }
            set {
                all[key] = newValue
                if let agent = newValue, agent.paused == nil, agent.offeredTo == nil, agent.talkingWith == nil {
                    idle.insert(key)
                } else {
                    idle.remove(key)
                }
            }
        }

        var keys: Dictionary<AgentKey, Agent>.Keys { all.keys }
        var values: Dictionary<AgentKey, Agent>.Values { all.values }
    }

    private let clock: any WallClock
    private var random: SeededGenerator
    private var queues: [QueueKey: CallQueue] = [:]
    private var agents = AgentTable()
    private var callers: [String: Caller] = [:]
    /// Callers of each queue in the order they entered (connected ones removed).
    private var lines: [QueueKey: [String]] = [:]
    private var lastAnswered: [QueueKey: String] = [:]
    /// Each queue's members: their place in the list and their penalty.
    private var memberOrder: [QueueKey: [String: (order: Int, penalty: Int)]] = [:]
    /// Running talk-time average per queue (estimated wait), seconds.
    private var handling: [QueueKey: (total: Double, count: Int)] = [:]
    private var events: [QueueEvent] = []

    public init(clock: any WallClock, seed: UInt64 = 1) {
        self.clock = clock
        self.random = SeededGenerator(seed: seed)
    }

    // MARK: - Configuration

    /// Sets (or replaces) a tenant's queues; member lines become basic agents of them.
    /// Callers already waiting stay; a removed queue's callers stay until they leave.
    public func configure(tenantID: String, queues configured: [CallQueue]) {
        for key in queues.keys where key.tenantID == tenantID { queues[key] = nil }
        for key in memberOrder.keys where key.tenantID == tenantID { memberOrder[key] = nil }
        for queue in configured {
            let key = QueueKey(tenantID: tenantID, name: queue.name)
            queues[key] = queue
            memberOrder[key] = Dictionary(queue.members.enumerated().map { ($1.extensionNumber, ($0, $1.penalty)) },
                                          uniquingKeysWith: { first, _ in first })
        }
        for key in Array(agents.keys) where key.tenantID == tenantID {
            agents[key]!.memberOf = [:]
        }
        for queue in configured {
            for member in queue.members {
                let key = AgentKey(tenantID: tenantID, ext: member.extensionNumber)
                if agents[key] == nil { agents[key] = Agent(key: key, idleSince: clock.nowMillis()) }
                agents[key]!.memberOf[queue.name] = queue.agentMode
            }
        }
    }

    /// The queue `name` of `tenantID`, as configured.
    public func queue(tenantID: String, name: String) -> CallQueue? { queues[QueueKey(tenantID: tenantID, name: name)] }

    // MARK: - Callers

    /// A caller enters queue `name`. Nil when there is no such queue (the host refuses the call).
    public func enter(callID: String, tenantID: String, queue name: String, caller number: String) -> [QueueAction]? {
        let key = QueueKey(tenantID: tenantID, name: name)
        guard let queue = queues[key], callers[callID] == nil else { return nil }
        let now = clock.nowMillis()
        callers[callID] = Caller(callID: callID, queue: key, number: number, enteredAt: now, state: .waiting(due: now),
                                 nextAnnounceAt: queue.announceEvery.map { now + Int64($0) * 1000 })
        lines[key, default: []].append(callID)
        log(.enter, key, callID: callID, caller: number, position: lines[key]!.count)
        return dispatch()
    }

    /// B4: the waiting caller asked to be called back and hangs up; it keeps its place.
    /// Its offers then reserve an agent first (`callbackNumber` tells the host to call the
    /// agent, then the caller). Nil when the caller is not waiting.
    public func requestCallback(callID: String) -> [QueueAction]? {
        guard var caller = callers[callID], caller.callback == nil else { return nil }
        var actions: [QueueAction] = []
        switch caller.state {
        case .connected: return nil
        case .ringing(let round, _):
            actions.append(.stopRinging(callID: callID))
            release(round, of: caller)
        case .waiting: break
        }
        caller.callback = caller.number
        caller.state = .waiting(due: clock.nowMillis())
        caller.nextAnnounceAt = nil
        callers[callID] = caller
        log(.callback, caller.queue, callID: callID, caller: caller.number, position: position(of: callID, in: caller.queue))
        return actions + dispatch()
    }

    /// The number to call back for a caller that asked for it, with its queue; nil for a caller on the line.
    public func callback(callID: String) -> (queue: CallQueue, number: String)? {
        guard let caller = callers[callID], let number = caller.callback, let queue = queues[caller.queue] else { return nil }
        return (queue, number)
    }

    /// The callback could not reach the caller: it leaves the queue (an abandon, with why).
    public func dropCallback(callID: String, reason: String) -> [QueueAction] {
        guard let caller = callers[callID], caller.callback != nil else { return [] }
        if case .ringing(let round, _) = caller.state { release(round, of: caller) }
        if case .connected(let agent, _) = caller.state {
            let key = AgentKey(tenantID: caller.queue.tenantID, ext: agent)
            agents[key]?.talkingWith = nil
        }
        callers[callID] = nil
        let position = position(of: callID, in: caller.queue)
        removeFromLine(callID, caller.queue)
        log(.abandon, caller.queue, callID: callID, caller: caller.number, position: position,
            wait: Double(clock.nowMillis() - caller.enteredAt) / 1000, reason: reason)
        return dispatch()
    }

    /// The caller hung up (abandoned while waiting, or the end of its call with an agent).
    /// A caller waiting for its callback keeps its place.
    public func hangUp(callID: String) -> [QueueAction] {
        if let waiting = callers[callID], waiting.callback != nil {
            if case .connected = waiting.state {} else { return [] }
        }
        guard let caller = callers.removeValue(forKey: callID) else { return [] }
        let now = clock.nowMillis()
        var actions: [QueueAction] = []
        switch caller.state {
        case .connected(let agent, let since):
            finishCall(caller, agent: agent, since: since)
        case .ringing(let round, _):
            actions.append(.stopRinging(callID: callID))
            release(round, of: caller)
            fallthrough
        case .waiting:
            let position = position(of: callID, in: caller.queue)
            removeFromLine(callID, caller.queue)
            log(.abandon, caller.queue, callID: callID, caller: caller.number, position: position,
                wait: Double(now - caller.enteredAt) / 1000)
        }
        return actions + dispatch()
    }

    /// `agent` answered the caller's offer: they are connected.
    public func answered(callID: String, by agent: String) -> [QueueAction] {
        guard var caller = callers[callID], case .ringing(let round, _) = caller.state else { return [] }
        let now = clock.nowMillis()
        release(round.filter { $0 != agent }, of: caller)
        let key = AgentKey(tenantID: caller.queue.tenantID, ext: agent)
        agents[key]?.offeredTo = nil
        agents[key]?.talkingWith = callID
        agents[key]?.answeredToday += 1
        agents[key]?.missedInRow = 0
        agents[key]?.lastCallAt = now
        caller.state = .connected(agent: agent, since: now)
        callers[callID] = caller
        removeFromLine(callID, caller.queue)
        lastAnswered[caller.queue] = agent
        log(.connect, caller.queue, callID: callID, caller: caller.number, agent: agent, wait: Double(now - caller.enteredAt) / 1000)
        return dispatch()
    }

    /// Nobody of the caller's current round answered (ring time over, busy, refused):
    /// the next round rings, or the caller waits the retry time.
    public func notAnswered(callID: String) -> [QueueAction] {
        guard var caller = callers[callID], case .ringing(let round, let rest) = caller.state,
              let queue = queues[caller.queue] else { return [] }
        for ext in round {
            let key = AgentKey(tenantID: caller.queue.tenantID, ext: ext)
            guard agents[key]?.offeredTo == callID else { continue }
            agents[key]!.offeredTo = nil
            agents[key]!.missedInRow += 1
            log(.ringNoAnswer, caller.queue, callID: callID, caller: caller.number, agent: ext)
            if let limit = queue.autoPauseAfter, agents[key]!.missedInRow >= limit, agents[key]!.paused == nil {
                agents[key]!.paused = "auto"
                log(.pause, caller.queue, agent: ext, reason: "auto")
            }
        }
        caller.state = .waiting(due: clock.nowMillis())
        callers[callID] = caller
        if let next = nextRound(rest, for: caller) {
            return ring(callID, next.round, rest: next.rest, queue: queue)
        }
        caller.state = .waiting(due: clock.nowMillis() + Int64(queue.retrySeconds) * 1000)
        callers[callID] = caller
        return dispatch()
    }

    // MARK: - Agents

    /// Whether line `ext` is an agent of a flex or power queue (so `*78` means something to it).
    public func needsLogin(tenantID: String, agent ext: String) -> Bool {
        agents[AgentKey(tenantID: tenantID, ext: ext)]?.memberOf.values.contains { $0 != .basic } ?? false
    }

    /// Whether the line is an agent of a power queue (its `*78` call stays up, calls come with a beep),
    /// and the music it hears between calls (the first power queue's, nil: the default).
    public func powerAgent(tenantID: String, agent ext: String) -> (isPower: Bool, music: String?) {
        guard let agent = agents[AgentKey(tenantID: tenantID, ext: ext)] else { return (false, nil) }
        let power = agent.memberOf.filter { $0.value == .power }.keys.sorted()
        return (!power.isEmpty, power.first.flatMap { queues[QueueKey(tenantID: tenantID, name: $0)]?.agentMusic })
    }

    /// Whether the agent is logged in (`*78`).
    public func isLoggedIn(tenantID: String, agent ext: String) -> Bool {
        agents[AgentKey(tenantID: tenantID, ext: ext)]?.loggedIn ?? false
    }

    /// A member of flex or power queues logs in (`*78`): it takes their calls from now.
    /// Nil when the line is not such a member.
    public func login(tenantID: String, agent ext: String) -> [QueueAction]? {
        let key = AgentKey(tenantID: tenantID, ext: ext)
        guard needsLogin(tenantID: tenantID, agent: ext) else { return nil }
        guard agents[key]?.loggedIn == false else { return [] }
        agents[key]!.loggedIn = true
        agents[key]!.idleSince = clock.nowMillis()
        log(.login, nil, tenantID: tenantID, agent: ext)
        return dispatch()
    }

    /// The agent logs out (`*78` again, or the supervisor) of its flex and power queues;
    /// a call it is in goes on.
    public func logout(tenantID: String, agent ext: String) -> [QueueAction] {
        let key = AgentKey(tenantID: tenantID, ext: ext)
        guard agents[key]?.loggedIn == true else { return [] }
        agents[key]!.loggedIn = false
        log(.logout, nil, tenantID: tenantID, agent: ext)
        return []
    }

    public func pause(tenantID: String, agent ext: String, reason: String) -> [QueueAction] {
        let key = AgentKey(tenantID: tenantID, ext: ext)
        guard agents[key] != nil, agents[key]?.paused == nil else { return [] }
        agents[key]!.paused = reason
        log(.pause, nil, tenantID: tenantID, agent: ext, reason: reason)
        return []
    }

    public func unpause(tenantID: String, agent ext: String) -> [QueueAction] {
        let key = AgentKey(tenantID: tenantID, ext: ext)
        guard agents[key]?.paused != nil else { return [] }
        agents[key]!.paused = nil
        agents[key]!.missedInRow = 0
        log(.unpause, nil, tenantID: tenantID, agent: ext)
        return dispatch()
    }

    /// Whether the agent's line is in a call that is not the queue's (it then gets no
    /// offer unless the queue rings lines in use).
    public func setLineBusy(tenantID: String, agent ext: String, busy: Bool) -> [QueueAction] {
        let key = AgentKey(tenantID: tenantID, ext: ext)
        guard agents[key] != nil, agents[key]!.lineBusy != busy else { return [] }
        agents[key]!.lineBusy = busy
        return busy ? [] : dispatch()
    }

    /// Sets which of a tenant's agents' lines are in a call now (`busy`); the others are free.
    public func setBusyLines(tenantID: String, busy: Set<String>) -> [QueueAction] {
        var freed = false
        for key in Array(agents.keys) where key.tenantID == tenantID {
            let isBusy = busy.contains(key.ext)
            guard agents[key]!.lineBusy != isBusy else { continue }
            agents[key]!.lineBusy = isBusy
            freed = freed || !isBusy
        }
        return freed ? dispatch() : []
    }

    // MARK: - Time

    /// Carries out what fell due by now: announcements, maximum waits, retries, wrap-ups over.
    public func advance() -> [QueueAction] {
        let now = clock.nowMillis()
        var actions: [QueueAction] = []
        // Callers not connected, queue by queue in the order they came.
        let waitingNow = lines.keys.sorted { ($0.tenantID, $0.name) < ($1.tenantID, $1.name) }.flatMap { lines[$0]! }
        for id in waitingNow {
            guard let caller = callers[id], let queue = queues[caller.queue] else { continue }
            if case .connected = caller.state { continue }
            if caller.callback == nil, let limit = queue.maxWaitSeconds, now - caller.enteredAt >= Int64(limit) * 1000 {
                callers[id] = nil
                if case .ringing(let round, _) = caller.state {
                    actions.append(.stopRinging(callID: id))
                    release(round, of: caller)
                }
                removeFromLine(id, caller.queue)
                log(.timeout, caller.queue, callID: id, caller: caller.number, wait: Double(now - caller.enteredAt) / 1000)
                actions.append(.overflow(callID: id, to: queue.overflow))
                continue
            }
            if let at = caller.nextAnnounceAt, at <= now, let every = queue.announceEvery {
                let position = position(of: id, in: caller.queue) ?? 1
                actions.append(.announce(callID: id, position: position,
                                         estimatedWaitSeconds: queue.announceWait ? estimatedWait(position: position, queue: caller.queue) : nil))
                callers[id]!.nextAnnounceAt = at + Int64(every) * 1000
            }
        }
        return actions + dispatch()
    }

    /// When `advance` next has something to do; nil: nothing is timed.
    public var nextDeadline: Int64? {
        var next: Int64?
        func consider(_ at: Int64?) { if let at { next = min(next ?? at, at) } }
        let now = clock.nowMillis()
        var anyWaiting = false
        for id in lines.values.joined() {
            guard let caller = callers[id], let queue = queues[caller.queue] else { continue }
            if case .connected = caller.state { continue }
            anyWaiting = true
            consider(caller.nextAnnounceAt)
            consider(queue.maxWaitSeconds.map { caller.enteredAt + Int64($0) * 1000 })
            if case .waiting(let due) = caller.state, due > now { consider(due) }
        }
        if anyWaiting {
            for key in agents.idle {
                if let until = agents[key]?.wrapUpUntil, until > now { consider(until) }
            }
        }
        return next
    }

    // MARK: - Reading

    /// Events since the last call, oldest first.
    public func drainEvents() -> [QueueEvent] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    /// Callers waiting in a queue (not connected), in order.
    public func waiting(tenantID: String, queue name: String) -> [String] { lines[QueueKey(tenantID: tenantID, name: name)] ?? [] }

    /// Where an agent stands, for the consoles.
    public func agentState(tenantID: String, agent ext: String) -> AgentState? {
        guard let agent = agents[AgentKey(tenantID: tenantID, ext: ext)] else { return nil }
        let now = clock.nowMillis()
        let status: AgentState.Status
        if !agent.loggedIn, !agent.memberOf.values.contains(.basic) {
            status = .loggedOut
        } else if agent.talkingWith != nil {
            status = .inCall
        } else if agent.offeredTo != nil {
            status = .ringing
        } else if agent.paused != nil {
            status = .paused
        } else if agent.wrapUpUntil > now {
            status = .wrapUp
        } else if agent.lineBusy {
            status = .unavailable
        } else {
            status = .available
        }
        return AgentState(extensionNumber: ext, status: status, pauseReason: agent.paused,
                          queues: agent.memberOf.keys.sorted(), answeredToday: agent.answeredToday, lastCallAt: agent.lastCallAt)
    }

    /// Tenants with queues configured here.
    public var tenants: [String] { Array(Set(queues.keys.map(\.tenantID))).sorted() }

    /// A tenant's queues and agents now (the consoles' view).
    public func snapshot(tenantID: String) -> QueueSnapshot {
        let now = clock.nowMillis()
        var connected: [String: Int] = [:]
        for caller in callers.values where caller.queue.tenantID == tenantID {
            if case .connected = caller.state { connected[caller.queue.name, default: 0] += 1 }
        }
        let names = queues.keys.filter { $0.tenantID == tenantID }.map(\.name).sorted()
        let queueViews = names.map { name -> QueueSnapshot.Queue in
            let key = QueueKey(tenantID: tenantID, name: name)
            let waiting = (lines[key] ?? []).enumerated().compactMap { index, id -> QueueSnapshot.Waiting? in
                guard let caller = callers[id] else { return nil }
                let ringing: Bool
                if case .ringing = caller.state { ringing = true } else { ringing = false }
                return QueueSnapshot.Waiting(callID: id, caller: caller.number, position: index + 1,
                                             waitedSeconds: Int((now - caller.enteredAt) / 1000), ringing: ringing)
            }
            return QueueSnapshot.Queue(name: name, waiting: waiting, connected: connected[name] ?? 0)
        }
        let agentViews = agents.keys.filter { $0.tenantID == tenantID }.map(\.ext).sorted()
            .compactMap { agentState(tenantID: tenantID, agent: $0) }
        return QueueSnapshot(tenantID: tenantID, takenAt: now, queues: queueViews, agents: agentViews)
    }

    /// Starts a new day on the consoles: answered counters back to zero (the event log keeps the history).
    public func resetDailyCounters() {
        for key in agents.keys { agents[key]!.answeredToday = 0 }
    }

    // MARK: - Internals

    /// Offers due callers to free agents: the longest waiting caller first across all
    /// queues, ties to the heavier queue (B5).
    private func dispatch() -> [QueueAction] {
        let now = clock.nowMillis()
        // Due callers, light, in each queue's order (the order they came).
        var due: [(enteredAt: Int64, weight: Int, callID: String, queue: QueueKey)] = []
        var queuesWithDue = 0
        for (key, line) in lines where !line.isEmpty {
            let before = due.count
            let weight = queues[key]?.weight ?? 0
            for id in line {
                guard let caller = callers[id], case .waiting(let at) = caller.state, at <= now else { continue }
                due.append((caller.enteredAt, weight, id, key))
            }
            if due.count > before { queuesWithDue += 1 }
        }
        guard !due.isEmpty else { return [] }
        if queuesWithDue > 1 {
            due.sort {
                if $0.enteredAt != $1.enteredAt { return $0.enteredAt < $1.enteredAt }
                return $0.weight != $1.weight ? $0.weight > $1.weight : $0.callID < $1.callID
            }
        }
        // Free agents are found once per queue; an offer takes its agents out of every list.
        var free: [QueueKey: [QueueCandidate]] = [:]
        var exhausted = 0
        var offered: Set<String> = []
        var actions: [QueueAction] = []
        for caller in due {
            guard let queue = queues[caller.queue] else { continue }
            if free[caller.queue] == nil { free[caller.queue] = freeAgents(of: caller.queue, queue: queue) }
            let candidates = offered.isEmpty ? free[caller.queue]! : free[caller.queue]!.filter { !offered.contains($0.extensionNumber) }
            free[caller.queue] = candidates
            guard !candidates.isEmpty else {
                // Nobody free for this queue: the callers behind in it wait too.
                exhausted = free.values.filter(\.isEmpty).count
                if exhausted == queuesWithDue { break }
                continue
            }
            let rounds = queue.strategy.strategy.rounds(candidates, lastAnswered: lastAnswered[caller.queue], random: &random)
            guard let first = rounds.first(where: { !$0.isEmpty }) else { continue }
            let rest = Array(rounds.drop { $0 != first }.dropFirst())
            offered.formUnion(first)
            actions += ring(caller.callID, first, rest: rest, queue: queue)
        }
        return actions
    }

    private func ring(_ callID: String, _ round: [String], rest: [[String]], queue: CallQueue) -> [QueueAction] {
        guard var caller = callers[callID] else { return [] }
        for ext in round { agents[AgentKey(tenantID: caller.queue.tenantID, ext: ext)]?.offeredTo = callID }
        caller.state = .ringing(round: round, rest: rest)
        callers[callID] = caller
        return [.ring(callID: callID, agents: round, seconds: queue.ringSeconds)]
    }

    /// The first of `rounds` with agents still free, and the rounds after it.
    private func nextRound(_ rounds: [[String]], for caller: Caller) -> (round: [String], rest: [[String]])? {
        guard let queue = queues[caller.queue] else { return nil }
        let free = Set(freeAgents(of: caller.queue, queue: queue).map(\.extensionNumber))
        var rest = rounds[...]
        while let round = rest.popFirst() {
            let available = round.filter { free.contains($0) }
            if !available.isEmpty { return (available, Array(rest)) }
        }
        return nil
    }

    private func freeAgents(of key: QueueKey, queue: CallQueue) -> [QueueCandidate] {
        let now = clock.nowMillis()
        let order = memberOrder[key] ?? [:]
        var candidates: [QueueCandidate] = []
        for agentKey in agents.idle where agentKey.tenantID == key.tenantID {
            guard let agent = agents[agentKey], agent.memberOf[key.name] != nil, queue.agentMode == .basic || agent.loggedIn,
                  agent.wrapUpUntil <= now, !agent.lineBusy || queue.ringInUse else { continue }
            let (position, penalty) = order[agent.key.ext] ?? (Int.max, 0)
            candidates.append(QueueCandidate(extensionNumber: agent.key.ext, order: position, penalty: penalty,
                                             answeredToday: agent.answeredToday, idleSince: agent.idleSince))
        }
        return candidates
    }

    private func release(_ round: [String], of caller: Caller) {
        for ext in round {
            let key = AgentKey(tenantID: caller.queue.tenantID, ext: ext)
            if agents[key]?.offeredTo == caller.callID { agents[key]!.offeredTo = nil }
        }
    }

    private func finishCall(_ caller: Caller, agent ext: String, since: Int64) {
        let now = clock.nowMillis()
        let key = AgentKey(tenantID: caller.queue.tenantID, ext: ext)
        let wrapUp = Int64(queues[caller.queue]?.wrapUpSeconds ?? 0) * 1000
        if agents[key]?.talkingWith == caller.callID {
            agents[key]!.talkingWith = nil
            agents[key]!.wrapUpUntil = now + wrapUp
            agents[key]!.idleSince = now + wrapUp
        }
        let talk = Double(now - since) / 1000
        handling[caller.queue, default: (0, 0)].total += talk
        handling[caller.queue, default: (0, 0)].count += 1
        log(.complete, caller.queue, callID: caller.callID, caller: caller.number, agent: ext, talk: talk)
    }

    private func position(of callID: String, in key: QueueKey) -> Int? {
        lines[key]?.firstIndex(of: callID).map { $0 + 1 }
    }

    private func removeFromLine(_ callID: String, _ key: QueueKey) {
        lines[key]?.removeAll { $0 == callID }
    }

    /// Position × average talk time ÷ agents logged in to the queue (180 s before any call ended).
    private func estimatedWait(position: Int, queue key: QueueKey) -> Int {
        let average = handling[key].map { $0.count == 0 ? 180 : $0.total / Double($0.count) } ?? 180
        let mode = queues[key]?.agentMode ?? .basic
        let staffed = agents.values.filter {
            $0.key.tenantID == key.tenantID && $0.paused == nil && $0.memberOf[key.name] != nil && (mode == .basic || $0.loggedIn)
        }.count
        return Int((Double(position) * average / Double(max(staffed, 1))).rounded())
    }

    private func log(_ kind: QueueEvent.Kind, _ queue: QueueKey?, tenantID: String? = nil, callID: String? = nil, caller: String? = nil,
                     agent: String? = nil, position: Int? = nil, wait: Double? = nil, talk: Double? = nil, reason: String? = nil) {
        events.append(QueueEvent(at: clock.nowMillis(), tenantID: queue?.tenantID ?? tenantID ?? "", queue: queue?.name ?? "", kind: kind,
                                 callID: callID, caller: caller, agent: agent, position: position, waitSeconds: wait,
                                 talkSeconds: talk, reason: reason))
    }
}
