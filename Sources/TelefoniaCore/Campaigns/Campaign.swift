/// An outbound voice campaign (C1, "campanha de voz"): the server calls a mailing of
/// numbers through a paying line of the tenant, a few at a time, inside a time window,
/// and plays up to four levels of audio, each capturing one key whose action hangs up,
/// goes to the next level, or hands the call to a line, a queue or an IVR.
public struct Campaign: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Being prepared: nothing is dialled.
        case draft
        case running
        case paused
        /// Stopped for good; numbers not called stay so.
        case cancelled
        /// Every number reached a final result.
        case finished
    }

    public var tenantID: String
    /// Unique per tenant; see `isValidName`.
    public var name: String
    /// The line whose calls these are: its permissions, rates and prepaid credit apply.
    public var payingLine: String
    /// Time profile the campaign dials in; nil: any time.
    public var timeProfile: String?
    /// First and last day it may dial (inclusive); nil: no limit.
    public var firstDay: LocalDate?
    public var lastDay: LocalDate?
    /// Calls at once (never more).
    public var concurrency: Int
    /// Attempts per number (a busy or unanswered call is tried again).
    public var attempts: Int
    /// Minutes between two attempts of a number.
    public var retryMinutes: Int
    /// Seconds a called phone rings before the attempt counts as unanswered.
    public var ringSeconds: Int
    /// The levels, in order (1 to 4).
    public var levels: [CampaignLevel]
    /// Played before hanging up (a key's `hangup` action, or after the last level).
    public var hangUpAudio: String?
    public var state: State

    public init(tenantID: String, name: String, payingLine: String, timeProfile: String? = nil, firstDay: LocalDate? = nil,
                lastDay: LocalDate? = nil, concurrency: Int = 2, attempts: Int = 2, retryMinutes: Int = 30, ringSeconds: Int = 30,
                levels: [CampaignLevel], hangUpAudio: String? = nil, state: State = .draft) {
        self.tenantID = tenantID
        self.name = name
        self.payingLine = payingLine
        self.timeProfile = timeProfile
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.concurrency = concurrency
        self.attempts = attempts
        self.retryMinutes = retryMinutes
        self.ringSeconds = ringSeconds
        self.levels = levels
        self.hangUpAudio = hangUpAudio
        self.state = state
    }

    /// 1 to 64 letters, digits, "-", "_" and ".", not starting with "." or "-".
    public static func isValidName(_ name: String) -> Bool { AudioFile.isValidName(name) }

    public static let maxLevels = 4

    /// Why the campaign cannot be saved on its own terms, or nil (lines, queues, menus,
    /// the profile and audio are the store's and the CLI's to check).
    public func problem() -> String? {
        guard Self.isValidName(name) else { return "campaign name '\(name)' must be \(Tenant.idRule)" }
        guard Line.isValidExtension(payingLine) else { return "paying line '\(payingLine)' is not an extension" }
        guard (1...100).contains(concurrency) else { return "concurrency must be 1 to 100 calls, got \(concurrency)" }
        guard (1...10).contains(attempts) else { return "attempts must be 1 to 10, got \(attempts)" }
        guard (1...1440).contains(retryMinutes) else { return "retry interval must be 1 to 1440 minutes, got \(retryMinutes)" }
        guard (5...120).contains(ringSeconds) else { return "ring time must be 5 to 120 seconds, got \(ringSeconds)" }
        guard (1...Self.maxLevels).contains(levels.count) else { return "a campaign has 1 to \(Self.maxLevels) audio levels" }
        if let first = firstDay, let last = lastDay, last < first { return "the last day \(last) is before the first \(first)" }
        for (index, level) in levels.enumerated() {
            for (key, action) in level.actions {
                guard key.count == 1, "0123456789*#".contains(key) else { return "level \(index + 1): '\(key)' is not a key" }
                if case .nextLevel = action, index == levels.count - 1 { return "level \(index + 1) is the last: key \(key) has no next level" }
            }
        }
        return nil
    }

    /// Whether the campaign may dial at `millis` (its days and time profile).
    public func isOpen(at millis: Int64, profile: TimeProfile?) -> Bool {
        let zone = profile?.timeZone ?? TimeProfile.defaultTimeZone
        if firstDay != nil || lastDay != nil {
            let today = LocalTime(millis: millis, timeZone: zone).date
            if let firstDay, today < firstDay { return false }
            if let lastDay, today > lastDay { return false }
        }
        return profile?.isOpen(atMillis: millis) ?? true
    }
}

/// One level of a campaign: an audio, then one key and what it does.
public struct CampaignLevel: Sendable, Equatable, Codable {
    public var audio: String
    /// Key ("0"–"9", "*", "#") → action; a key not listed, or none in time, ends the call
    /// (after the hang-up audio).
    public var actions: [String: CampaignAction]
    /// Seconds to wait for the key.
    public var keySeconds: Int

    public init(audio: String, actions: [String: CampaignAction] = [:], keySeconds: Int = 8) {
        self.audio = audio
        self.actions = actions
        self.keySeconds = keySeconds
    }
}

/// What a key pressed on a campaign level does. Written `hangup`, `next`, `line:201`,
/// `queue:vendas`, `ivr:1`.
public enum CampaignAction: Sendable, Hashable, TextCodable {
    case hangUp
    case nextLevel
    case line(String)
    case queue(String)
    case ivr(String)

    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        switch (parts.first?.lowercased(), parts.count) {
        case ("hangup", 1): self = .hangUp
        case ("next", 1): self = .nextLevel
        case ("line", 2) where Line.isValidExtension(parts[1]): self = .line(parts[1])
        case ("queue", 2) where CallQueue.isValidName(parts[1]): self = .queue(parts[1])
        case ("ivr", 2) where IVRMenu.isValidNumber(parts[1]): self = .ivr(parts[1])
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .hangUp: "hangup"
        case .nextLevel: "next"
        case .line(let ext): "line:\(ext)"
        case .queue(let name): "queue:\(name)"
        case .ivr(let number): "ivr:\(number)"
        }
    }
}

extension Campaign.State {
    /// The moves a person may make (the CLI's start, pause, cancel; the panel's state):
    /// draft or paused → running, running → paused, draft, running or paused →
    /// cancelled, and staying put. `finished` is the runner's to set.
    public func mayBecome(_ next: Campaign.State) -> Bool {
        if next == self { return true }
        switch next {
        case .running: return self == .draft || self == .paused
        case .paused: return self == .running
        case .cancelled: return self == .draft || self == .running || self == .paused
        case .draft, .finished: return false
        }
    }
}
