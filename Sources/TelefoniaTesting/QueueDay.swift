import TelefoniaCore

/// A day of callers through one queue on a manual clock (C2's KPIs, B6): callers arrive
/// by an hourly profile, wait with a patience of their own (and hang up when it runs
/// out), agents answer an offer after a few seconds (or miss it), talk, hang up and wrap
/// up. `QueueCenter` decides everything, exactly as on the server; the day's event log
/// comes out, and the queue's figures with it. Seeded: a day is reproducible.
public struct QueueDay: Sendable {
    public struct Setup: Sendable {
        public var calls = 2000
        public var agents = 10
        public var strategy: QueueStrategyKind = .ringAll
        /// Share of the calls arriving in each hour 0–23 (normalised); default: a business day.
        public var hourlyShape: [Double] = [0, 0, 0, 0, 0, 0, 0, 1, 6, 10, 12, 11, 7, 8, 11, 12, 10, 7, 3, 1, 0, 0, 0, 0]
        /// Seconds of talk, uniform in this range.
        public var talk: ClosedRange<Double> = 60...300
        /// Seconds a caller waits before hanging up, uniform in this range.
        public var patience: ClosedRange<Double> = 20...240
        /// Seconds an agent takes to answer an offer.
        public var answerDelay: ClosedRange<Double> = 1...6
        /// Chance that an agent lets an offer ring out.
        public var missChance = 0.05
        public var wrapUpSeconds = 10
        public var maxWaitSeconds: Int?
        public var serviceLevelSeconds = 20
        public var seed: UInt64 = 1

        public init() {}
    }

    public struct Result: Sendable {
        public var events: [QueueEvent]
        public var stats: QueueStats
        public var agents: [String: AgentStats]
    }

    public let setup: Setup

    public init(setup: Setup) { self.setup = setup }

    private enum Pending {
        case arrive(String)
        case abandon(String)
        case answer(String, agent: String)
        case ringOut(String)
        case hangUp(String)
        case center
    }

    public func run() -> Result {
        let clock = ManualClock()
        let center = QueueCenter(clock: clock, seed: setup.seed)
        let members = (0..<setup.agents).map { QueueMember(extensionNumber: String(2000 + $0)) }
        let queue = CallQueue(tenantID: "day", name: "fila", strategy: setup.strategy, members: members, ringSeconds: 15, retrySeconds: 2,
                              wrapUpSeconds: setup.wrapUpSeconds, maxWaitSeconds: setup.maxWaitSeconds,
                              serviceLevelSeconds: setup.serviceLevelSeconds)
        center.configure(tenantID: "day", queues: [queue])
        var random = SeededGenerator(seed: setup.seed &* 31 &+ 7)
        var pending: [String: Pending] = [:]
        var events: [QueueEvent] = []
        var counter = 0
        func schedule(_ what: Pending, inSeconds seconds: Double, id: String? = nil) {
            counter += 1
            let key = id ?? "p\(counter)"
            pending[key] = what
            clock.schedule(afterMillis: Int64((seconds * 1000).rounded()), id: key)
        }
        let start = clock.nowMillis()
        let midnight = start - start % 86_400_000
        for (index, at) in arrivals(midnight: midnight, random: &random).enumerated() {
            counter += 1
            pending["arrive-\(index)"] = .arrive("call-\(index)")
            clock.schedule(at: at, id: "arrive-\(index)")
        }

        func carryOut(_ actions: [QueueAction]) {
            for action in actions {
                switch action {
                case .ring(let callID, let agents, let seconds):
                    var best: (agent: String, delay: Double)?
                    for agent in agents where Double.random(in: 0..<1, using: &random) >= setup.missChance {
                        let delay = Double.random(in: setup.answerDelay, using: &random)
                        if delay < Double(seconds), delay < best?.delay ?? .infinity { best = (agent, delay) }
                    }
                    if let best {
                        schedule(.answer(callID, agent: best.agent), inSeconds: best.delay, id: "ring-\(callID)")
                    } else {
                        schedule(.ringOut(callID), inSeconds: Double(seconds), id: "ring-\(callID)")
                    }
                case .stopRinging(let callID):
                    pending["ring-\(callID)"] = nil
                    clock.cancel(id: "ring-\(callID)")
                case .overflow(let callID, _):
                    pending["abandon-\(callID)"] = nil
                    clock.cancel(id: "abandon-\(callID)")
                case .announce:
                    break
                }
            }
            events += center.drainEvents()
            if let deadline = center.nextDeadline {
                pending["center"] = .center
                clock.schedule(at: deadline, id: "center")
            }
        }

        while let key = clock.fireNext({ _ in }) {
            guard let what = pending.removeValue(forKey: key) else { continue }
            switch what {
            case .arrive(let callID):
                schedule(.abandon(callID), inSeconds: Double.random(in: setup.patience, using: &random), id: "abandon-\(callID)")
                carryOut(center.enter(callID: callID, tenantID: "day", queue: "fila", caller: callID) ?? [])
            case .abandon(let callID):
                pending["ring-\(callID)"] = nil
                clock.cancel(id: "ring-\(callID)")
                carryOut(center.hangUp(callID: callID))
            case .answer(let callID, let agent):
                pending["abandon-\(callID)"] = nil
                clock.cancel(id: "abandon-\(callID)")
                schedule(.hangUp(callID), inSeconds: Double.random(in: setup.talk, using: &random))
                carryOut(center.answered(callID: callID, by: agent))
            case .ringOut(let callID):
                carryOut(center.notAnswered(callID: callID))
            case .hangUp(let callID):
                carryOut(center.hangUp(callID: callID))
            case .center:
                carryOut(center.advance())
            }
        }
        let stats = QueueStats.compute(events, thresholds: ["fila": setup.serviceLevelSeconds])["fila"] ?? QueueStats(queue: "fila")
        return Result(events: events, stats: stats, agents: AgentStats.compute(events, until: clock.nowMillis()))
    }

    /// Arrival times of the day's calls (unix ms), sorted.
    private func arrivals(midnight: Int64, random: inout SeededGenerator) -> [Int64] {
        let weights = setup.hourlyShape.count == 24 ? setup.hourlyShape.map { max(0, $0) } : Array(repeating: 1.0, count: 24)
        let total = max(weights.reduce(0, +), 1e-9)
        var cumulative: [Double] = []
        var sum = 0.0
        for weight in weights {
            sum += weight / total
            cumulative.append(sum)
        }
        return (0..<setup.calls).map { _ in
            let u = Double.random(in: 0..<1, using: &random)
            let hour = cumulative.firstIndex { u < $0 } ?? 23
            return midnight + 86_400_000 + Int64(hour) * 3_600_000 + Int64.random(in: 0..<3_600_000, using: &random)
        }.sorted()
    }
}
