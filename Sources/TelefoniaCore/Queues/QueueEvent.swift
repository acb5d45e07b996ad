/// One thing that happened in a queue (C2), as the event log keeps it: the KPIs and the
/// consoles are computed from these, and the reports read them back.
public struct QueueEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A caller entered the queue.
        case enter
        /// An agent answered the caller (`waitSeconds` since entering).
        case connect
        /// The call with the agent ended (`talkSeconds`).
        case complete
        /// The caller hung up while waiting (`position`, `waitSeconds`).
        case abandon
        /// The caller waited the maximum and left to the overflow.
        case timeout
        /// An agent was offered the call and did not answer.
        case ringNoAnswer
        case login
        case logout
        /// An agent paused (`reason`; "auto" when the queue paused it after missed calls).
        case pause
        case unpause
        /// The caller asked to be called back and hung up, keeping its place (B4).
        case callback
    }

    /// Unix ms.
    public var at: Int64
    public var tenantID: String
    /// The queue, or "" for agent events not tied to one (login, pause).
    public var queue: String
    public var kind: Kind
    /// The call, for caller events.
    public var callID: String?
    /// The caller's number, for caller events.
    public var caller: String?
    /// The agent's extension, for agent events.
    public var agent: String?
    public var position: Int?
    public var waitSeconds: Double?
    public var talkSeconds: Double?
    public var reason: String?

    public init(at: Int64, tenantID: String, queue: String, kind: Kind, callID: String? = nil, caller: String? = nil,
                agent: String? = nil, position: Int? = nil, waitSeconds: Double? = nil, talkSeconds: Double? = nil,
                reason: String? = nil) {
        self.at = at
        self.tenantID = tenantID
        self.queue = queue
        self.kind = kind
        self.callID = callID
        self.caller = caller
        self.agent = agent
        self.position = position
        self.waitSeconds = waitSeconds
        self.talkSeconds = talkSeconds
        self.reason = reason
    }
}

/// A queue's figures over a span of its event log (C2 KPIs, B6 wallboard).
public struct QueueStats: Sendable, Equatable {
    public var queue: String
    /// Callers who entered.
    public var offered = 0
    public var answered = 0
    public var abandoned = 0
    /// Abandoned within `shortAbandonSeconds` (not counted against the service level when excluded).
    public var shortAbandoned = 0
    /// Left to the overflow after the maximum wait.
    public var timedOut = 0
    /// Answered within the queue's threshold.
    public var answeredInTime = 0
    /// Sum of answered callers' waits and of completed talks, seconds.
    public var totalAnswerWait = 0.0
    public var totalTalk = 0.0
    public var completed = 0
    public var longestWait = 0.0

    /// An abandon this quick is not held against the service level (caller dialled wrong).
    public static let shortAbandonSeconds = 5.0

    public init(queue: String) { self.queue = queue }

    /// Answered in time over offered (0 when nothing was offered).
    public var serviceLevel: Double { offered == 0 ? 0 : Double(answeredInTime) / Double(offered) }
    /// The same, short abandons left out of the offered calls.
    public var serviceLevelExcludingShortAbandons: Double {
        let counted = offered - shortAbandoned
        return counted <= 0 ? 0 : Double(answeredInTime) / Double(counted)
    }
    /// Average speed of answer, seconds.
    public var averageSpeedOfAnswer: Double { answered == 0 ? 0 : totalAnswerWait / Double(answered) }
    /// Average handling (talk) time, seconds.
    public var averageHandlingTime: Double { completed == 0 ? 0 : totalTalk / Double(completed) }
    public var abandonRate: Double { offered == 0 ? 0 : Double(abandoned) / Double(offered) }

    /// The figures of every queue in `events`, each with its service level threshold
    /// (`thresholds[queue]`, 20 s when missing).
    public static func compute(_ events: [QueueEvent], thresholds: [String: Int] = [:]) -> [String: QueueStats] {
        var stats: [String: QueueStats] = [:]
        for event in events where !event.queue.isEmpty {
            var s = stats[event.queue] ?? QueueStats(queue: event.queue)
            let wait = event.waitSeconds ?? 0
            switch event.kind {
            case .enter:
                s.offered += 1
            case .connect:
                s.answered += 1
                s.totalAnswerWait += wait
                if wait <= Double(thresholds[event.queue] ?? 20) { s.answeredInTime += 1 }
                s.longestWait = max(s.longestWait, wait)
            case .complete:
                s.completed += 1
                s.totalTalk += event.talkSeconds ?? 0
            case .abandon:
                s.abandoned += 1
                if wait < shortAbandonSeconds { s.shortAbandoned += 1 }
                s.longestWait = max(s.longestWait, wait)
            case .timeout:
                s.timedOut += 1
                s.longestWait = max(s.longestWait, wait)
            default:
                break
            }
            stats[event.queue] = s
        }
        return stats
    }
}

/// An agent's figures over a span of the event log (the supervisor console).
public struct AgentStats: Sendable, Equatable {
    public var agent: String
    public var calls = 0
    public var talkSeconds = 0.0
    public var pauseSeconds = 0.0
    public var missed = 0
    /// Unix ms of the last call answered.
    public var lastCallAt: Int64?

    public init(agent: String) { self.agent = agent }

    /// Per agent; a pause still open at `until` counts up to it.
    public static func compute(_ events: [QueueEvent], until: Int64) -> [String: AgentStats] {
        var stats: [String: AgentStats] = [:]
        var pausedAt: [String: Int64] = [:]
        for event in events {
            guard let agent = event.agent else { continue }
            var s = stats[agent] ?? AgentStats(agent: agent)
            switch event.kind {
            case .connect:
                s.calls += 1
                s.lastCallAt = event.at
            case .complete: s.talkSeconds += event.talkSeconds ?? 0
            case .ringNoAnswer: s.missed += 1
            case .pause: pausedAt[agent] = pausedAt[agent] ?? event.at
            case .unpause, .logout:
                if let since = pausedAt.removeValue(forKey: agent) { s.pauseSeconds += Double(event.at - since) / 1000 }
            default: break
            }
            stats[agent] = s
        }
        for (agent, since) in pausedAt { stats[agent]?.pauseSeconds += Double(until - since) / 1000 }
        return stats
    }
}

/// A tenant's queues as they are now (C3, C4, B6): who waits where, and every agent's
/// state. The server writes one per tenant every second; consoles in other processes
/// read it.
public struct QueueSnapshot: Sendable, Equatable, Codable {
    public struct Waiting: Sendable, Equatable, Codable {
        public var callID: String
        public var caller: String
        public var position: Int
        public var waitedSeconds: Int
        /// Being offered to agents right now.
        public var ringing: Bool

        public init(callID: String, caller: String, position: Int, waitedSeconds: Int, ringing: Bool) {
            self.callID = callID
            self.caller = caller
            self.position = position
            self.waitedSeconds = waitedSeconds
            self.ringing = ringing
        }
    }

    public struct Queue: Sendable, Equatable, Codable {
        public var name: String
        public var waiting: [Waiting]
        /// Callers talking to an agent now.
        public var connected: Int

        public init(name: String, waiting: [Waiting], connected: Int) {
            self.name = name
            self.waiting = waiting
            self.connected = connected
        }
    }

    public var tenantID: String
    /// Unix ms.
    public var takenAt: Int64
    public var queues: [Queue]
    public var agents: [AgentState]

    public init(tenantID: String, takenAt: Int64, queues: [Queue], agents: [AgentState]) {
        self.tenantID = tenantID
        self.takenAt = takenAt
        self.queues = queues
        self.agents = agents
    }
}

/// A supervisor's action on an agent (C4), written by the CLI or the panel and carried
/// out by the server that runs the queues.
public struct SupervisorCommand: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable, CaseIterable {
        case pause, unpause, logout
        /// Ring the tenant's listening line (P6) and let it hear / assist / barge into the
        /// agent's call (`ListenDialling`'s modes).
        case listen, whisper, barge

        /// The listening mode of a listening action, nil for the others.
        public var listenMode: ListenDialling.Mode? { ListenDialling.Mode(rawValue: rawValue) }

        /// The action a supervisor names: pause, unpause, logout, listen, assist (the
        /// manual's word for whispering to the agent) or barge.
        public init?(word: String) {
            self.init(rawValue: word == "assist" ? "whisper" : word)
        }

        /// The supervisor's word for it (`init(word:)`'s inverse).
        public var word: String { self == .whisper ? "assist" : rawValue }
    }

    public var id: Int64
    public var tenantID: String
    public var agent: String
    public var action: Action
    public var reason: String?
    /// Unix ms.
    public var createdAt: Int64
    /// When the server carried it out, and what came of it ("ok", "not an agent"…).
    public var doneAt: Int64?
    public var result: String?

    public init(id: Int64 = 0, tenantID: String, agent: String, action: Action, reason: String? = nil, createdAt: Int64,
                doneAt: Int64? = nil, result: String? = nil) {
        self.id = id
        self.tenantID = tenantID
        self.agent = agent
        self.action = action
        self.reason = reason
        self.createdAt = createdAt
        self.doneAt = doneAt
        self.result = result
    }
}
