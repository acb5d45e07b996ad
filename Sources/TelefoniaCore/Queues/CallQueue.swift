/// A call-centre queue (C2, "fila" / DAC): callers wait, hearing music and their
/// position, while the queue's agents are offered calls by its strategy. Reached from a
/// DID, an IVR option (`queue:NAME`) or a group's overflow; a caller who waits longer
/// than `maxWaitSeconds` leaves to `overflow`.
public struct CallQueue: Sendable, Equatable, Codable {
    public var tenantID: String
    /// Unique per tenant; see `isValidName`.
    public var name: String
    public var strategy: QueueStrategyKind
    /// Lines that take the queue's calls ("linhas que atenderão essa fila").
    public var members: [QueueMember]
    /// How the members take part: always (basic), after `*78` (flex), or after `*78`
    /// with the phone kept off hook and calls delivered with a beep (power).
    public var agentMode: AgentMode
    /// What a power agent hears between calls (tenant audio); nil: the default music.
    public var agentMusic: String?
    /// Audio callers hear while waiting (tenant audio); nil: the default music on hold.
    public var musicOnHold: String?
    /// Audio the agent hears before being connected (tenant audio); nil: none.
    public var agentAnnouncement: String?
    /// Seconds between "você é o N° da fila" announcements (30 to 300); nil: never.
    public var announceEvery: Int?
    /// Whether the announcement says the estimated wait too.
    public var announceWait: Bool
    /// Seconds an agent's phone rings before the next attempt.
    public var ringSeconds: Int
    /// Seconds between two attempts when nobody answered ("tempo de nova tentativa").
    public var retrySeconds: Int
    /// Seconds after a call during which the agent gets no other ("tempo de descanso").
    public var wrapUpSeconds: Int
    /// Longest wait before the caller leaves to `overflow`; nil: no limit.
    public var maxWaitSeconds: Int?
    /// Where a caller who waited `maxWaitSeconds` goes (another queue, a group, voicemail, an IVR).
    public var overflow: IVRDestination
    /// Whether agents already in a call are offered calls ("tocar ramais em uso").
    public var ringInUse: Bool
    /// Missed offers in a row after which an agent is paused by the queue; nil: never.
    public var autoPauseAfter: Int?
    /// A call answered within this many seconds counts towards the service level.
    public var serviceLevelSeconds: Int
    /// An agent in several queues takes the longest waiting caller across them; among
    /// callers who waited as long, the queue with the higher weight first (B5).
    public var weight: Int
    /// B4: the line whose calls call waiting callers back (its permissions and rates
    /// apply); nil: no callback.
    public var callbackLine: String?
    /// The key a waiting caller presses to be called back.
    public var callbackKey: String

    public init(tenantID: String, name: String, strategy: QueueStrategyKind = .ringAll, members: [QueueMember] = [],
                agentMode: AgentMode = .basic, agentMusic: String? = nil, musicOnHold: String? = nil, agentAnnouncement: String? = nil, announceEvery: Int? = nil,
                announceWait: Bool = false, ringSeconds: Int = 15, retrySeconds: Int = 5, wrapUpSeconds: Int = 0,
                maxWaitSeconds: Int? = nil, overflow: IVRDestination = .hangUp, ringInUse: Bool = false,
                autoPauseAfter: Int? = nil, serviceLevelSeconds: Int = 20, weight: Int = 0, callbackLine: String? = nil,
                callbackKey: String = "*") {
        self.tenantID = tenantID
        self.name = name
        self.strategy = strategy
        self.members = members
        self.agentMode = agentMode
        self.agentMusic = agentMusic
        self.musicOnHold = musicOnHold
        self.agentAnnouncement = agentAnnouncement
        self.announceEvery = announceEvery
        self.announceWait = announceWait
        self.ringSeconds = ringSeconds
        self.retrySeconds = retrySeconds
        self.wrapUpSeconds = wrapUpSeconds
        self.maxWaitSeconds = maxWaitSeconds
        self.overflow = overflow
        self.ringInUse = ringInUse
        self.autoPauseAfter = autoPauseAfter
        self.serviceLevelSeconds = serviceLevelSeconds
        self.weight = weight
        self.callbackLine = callbackLine
        self.callbackKey = callbackKey
    }

    private enum CodingKeys: String, CodingKey {
        case tenantID, name, strategy, members, agentMode, agentMusic, musicOnHold, agentAnnouncement, announceEvery, announceWait,
             ringSeconds, retrySeconds, wrapUpSeconds, maxWaitSeconds, overflow, ringInUse, autoPauseAfter, serviceLevelSeconds, weight,
             callbackLine, callbackKey
    }

    /// Settings added later default when a stored queue lacks them.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            tenantID: try c.decode(String.self, forKey: .tenantID), name: try c.decode(String.self, forKey: .name),
            strategy: try c.decode(QueueStrategyKind.self, forKey: .strategy), members: try c.decode([QueueMember].self, forKey: .members),
            agentMode: try c.decodeIfPresent(AgentMode.self, forKey: .agentMode) ?? .basic,
            agentMusic: try c.decodeIfPresent(String.self, forKey: .agentMusic),
            musicOnHold: try c.decodeIfPresent(String.self, forKey: .musicOnHold),
            agentAnnouncement: try c.decodeIfPresent(String.self, forKey: .agentAnnouncement),
            announceEvery: try c.decodeIfPresent(Int.self, forKey: .announceEvery),
            announceWait: try c.decodeIfPresent(Bool.self, forKey: .announceWait) ?? false,
            ringSeconds: try c.decodeIfPresent(Int.self, forKey: .ringSeconds) ?? 15,
            retrySeconds: try c.decodeIfPresent(Int.self, forKey: .retrySeconds) ?? 5,
            wrapUpSeconds: try c.decodeIfPresent(Int.self, forKey: .wrapUpSeconds) ?? 0,
            maxWaitSeconds: try c.decodeIfPresent(Int.self, forKey: .maxWaitSeconds),
            overflow: try c.decodeIfPresent(IVRDestination.self, forKey: .overflow) ?? .hangUp,
            ringInUse: try c.decodeIfPresent(Bool.self, forKey: .ringInUse) ?? false,
            autoPauseAfter: try c.decodeIfPresent(Int.self, forKey: .autoPauseAfter),
            serviceLevelSeconds: try c.decodeIfPresent(Int.self, forKey: .serviceLevelSeconds) ?? 20,
            weight: try c.decodeIfPresent(Int.self, forKey: .weight) ?? 0,
            callbackLine: try c.decodeIfPresent(String.self, forKey: .callbackLine),
            callbackKey: try c.decodeIfPresent(String.self, forKey: .callbackKey) ?? "*")
    }

    /// 1 to 64 letters, digits, "-", "_" and ".", not starting with "." or "-".
    public static func isValidName(_ name: String) -> Bool { AudioFile.isValidName(name) }

    /// Why the queue cannot be saved on its own terms, or nil (member lines and the
    /// overflow destination are the store's to check).
    public func problem() -> String? {
        guard Self.isValidName(name) else { return "queue name '\(name)' must be \(Tenant.idRule)" }
        guard Set(members.map(\.extensionNumber)).count == members.count else { return "a line is a member of the queue twice" }
        for member in members where !Line.isValidExtension(member.extensionNumber) {
            return "member '\(member.extensionNumber)' is not an extension"
        }
        if let every = announceEvery, !(30...300).contains(every) {
            return "announcements every 30 to 300 seconds, got \(every)"
        }
        guard (5...120).contains(ringSeconds) else { return "ring time must be 5 to 120 seconds, got \(ringSeconds)" }
        guard (0...300).contains(retrySeconds) else { return "retry time must be 0 to 300 seconds, got \(retrySeconds)" }
        guard (0...600).contains(wrapUpSeconds) else { return "wrap-up time must be 0 to 600 seconds, got \(wrapUpSeconds)" }
        if let wait = maxWaitSeconds, !(10...7200).contains(wait) { return "maximum wait must be 10 to 7200 seconds, got \(wait)" }
        if let after = autoPauseAfter, !(1...20).contains(after) { return "auto-pause after 1 to 20 missed calls, got \(after)" }
        guard (1...3600).contains(serviceLevelSeconds) else { return "service level threshold must be 1 to 3600 seconds" }
        if let line = callbackLine, !Line.isValidExtension(line) { return "callback line '\(line)' is not an extension" }
        guard callbackKey.count == 1, "0123456789*#".contains(callbackKey) else { return "the callback key is one of 0-9, * or #" }
        switch overflow {
        case .invalid, .portal: return "a queue's overflow must be hangup, line:EXT, group:NAME, queue:NAME, voicemail:EXT or menu:N"
        case .queue(let other) where other == name: return "a queue cannot overflow to itself"
        default: return nil
        }
    }
}

/// A line that answers a queue's calls, with what the skills strategy weighs.
public struct QueueMember: Sendable, Equatable, Codable {
    public var extensionNumber: String
    /// Lower rings first (skills/weight strategy: "penalty" in Asterisk's words).
    public var penalty: Int

    public init(extensionNumber: String, penalty: Int = 0) {
        self.extensionNumber = extensionNumber
        self.penalty = penalty
    }
}

/// How a queue's members take part (the manual's "tipo de operação de agentes").
public enum AgentMode: String, Sendable, Codable, CaseIterable {
    /// Always available.
    case basic
    /// Available once logged in with `*78` (and again `*78` to log out).
    case flex
    /// Like flex, and calls are answered automatically with a beep; music between calls.
    case power
}
