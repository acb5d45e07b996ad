/// Which agents a queue offers its next call to, and in what order (C2). Each strategy
/// is a `QueueStrategy`; a queue names one by `QueueStrategyKind`.
public enum QueueStrategyKind: String, Sendable, Codable, CaseIterable {
    /// Every free agent at once; the first to answer takes the call.
    case ringAll = "ring-all"
    /// Agents in member order, one at a time, starting again from the first each call.
    case sequential
    /// One free agent at a time, in a random order.
    case random
    /// Random, but not the agent who answered the queue's last call while another is free.
    case randomExceptLast = "random-except-last"
    /// The free agent who answered the fewest calls today first.
    case fewestAnswered = "fewest-answered"
    /// The free agent idle the longest first (beyond the manual).
    case longestIdle = "longest-idle"
    /// By the members' penalty (lower first), then longest idle (skills/weight, beyond the manual).
    case penalty

    /// The strategy's implementation.
    public var strategy: any QueueStrategy {
        switch self {
        case .ringAll: RingAllStrategy()
        case .sequential: SequentialStrategy()
        case .random: RandomStrategy(exceptLast: false)
        case .randomExceptLast: RandomStrategy(exceptLast: true)
        case .fewestAnswered: FewestAnsweredStrategy()
        case .longestIdle: LongestIdleStrategy()
        case .penalty: PenaltyStrategy()
        }
    }
}

/// What a strategy knows of an agent free to take a call.
public struct QueueCandidate: Sendable, Equatable {
    public var extensionNumber: String
    /// Position in the queue's member list (flex and power agents after the members).
    public var order: Int
    public var penalty: Int
    /// Calls answered today (the console's counter, reset daily).
    public var answeredToday: Int
    /// When the agent's last call ended (or it logged in); nil: never.
    public var idleSince: Int64?

    public init(extensionNumber: String, order: Int, penalty: Int = 0, answeredToday: Int = 0, idleSince: Int64? = nil) {
        self.extensionNumber = extensionNumber
        self.order = order
        self.penalty = penalty
        self.answeredToday = answeredToday
        self.idleSince = idleSince
    }
}

/// Orders the free agents of a queue into rounds: each round's agents ring together,
/// and a round that is not answered in the queue's ring time is followed by the next
/// (after the retry time once every round was tried).
public protocol QueueStrategy: Sendable {
    /// `candidates` are the agents free now; `lastAnswered` the extension that answered
    /// the queue's previous call.
    func rounds(_ candidates: [QueueCandidate], lastAnswered: String?, random: inout SeededGenerator) -> [[String]]
}

/// A seeded generator the queue centre owns, so a day of calls is reproducible.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// SplitMix64.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

public struct RingAllStrategy: QueueStrategy {
    public init() {}
    public func rounds(_ candidates: [QueueCandidate], lastAnswered: String?, random: inout SeededGenerator) -> [[String]] {
        candidates.isEmpty ? [] : [candidates.sorted { $0.order < $1.order }.map(\.extensionNumber)]
    }
}

public struct SequentialStrategy: QueueStrategy {
    public init() {}
    public func rounds(_ candidates: [QueueCandidate], lastAnswered: String?, random: inout SeededGenerator) -> [[String]] {
        candidates.sorted { $0.order < $1.order }.map { [$0.extensionNumber] }
    }
}

public struct RandomStrategy: QueueStrategy {
    public let exceptLast: Bool
    public init(exceptLast: Bool) { self.exceptLast = exceptLast }
    public func rounds(_ candidates: [QueueCandidate], lastAnswered: String?, random: inout SeededGenerator) -> [[String]] {
        var shuffled = candidates.sorted { $0.order < $1.order }.map(\.extensionNumber).shuffled(using: &random)
        if exceptLast, shuffled.count > 1, let last = lastAnswered, let index = shuffled.firstIndex(of: last) {
            // The last answerer goes last: it rings only when nobody else is there to.
            shuffled.append(shuffled.remove(at: index))
        }
        return shuffled.map { [$0] }
    }
}

public struct FewestAnsweredStrategy: QueueStrategy {
    public init() {}
    public func rounds(_ candidates: [QueueCandidate], lastAnswered: String?, random: inout SeededGenerator) -> [[String]] {
        candidates.sorted { ($0.answeredToday, $0.order) < ($1.answeredToday, $1.order) }.map { [$0.extensionNumber] }
    }
}

public struct LongestIdleStrategy: QueueStrategy {
    public init() {}
    public func rounds(_ candidates: [QueueCandidate], lastAnswered: String?, random: inout SeededGenerator) -> [[String]] {
        candidates.sorted { ($0.idleSince ?? .min, $0.order) < ($1.idleSince ?? .min, $1.order) }.map { [$0.extensionNumber] }
    }
}

public struct PenaltyStrategy: QueueStrategy {
    public init() {}
    /// One round per penalty level (agents of a level ring together, the longest idle
    /// first in the list), lower penalties first.
    public func rounds(_ candidates: [QueueCandidate], lastAnswered: String?, random: inout SeededGenerator) -> [[String]] {
        let levels = Dictionary(grouping: candidates, by: \.penalty)
        return levels.keys.sorted().map { level in
            levels[level]!.sorted { ($0.idleSince ?? .min, $0.order) < ($1.idleSince ?? .min, $1.order) }.map(\.extensionNumber)
        }
    }
}
