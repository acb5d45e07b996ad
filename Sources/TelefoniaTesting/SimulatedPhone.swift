import TelefoniaCore

/// A phone of a line with a scripted behaviour, for the `Simulation`: how it reacts
/// when a call reaches it (answers after a while, is busy, rings forever, is off).
public struct SimulatedPhone: Sendable, Equatable {
    /// A delay in seconds: fixed, or drawn uniformly from a range with the
    /// simulation's seeded generator.
    public struct Delay: Sendable, Equatable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, CustomStringConvertible {
        public var lower: Double
        public var upper: Double

        /// A delay between `range.lowerBound` and `range.upperBound` seconds.
        public init(_ range: ClosedRange<Double>) {
            self.lower = range.lowerBound
            self.upper = range.upperBound
        }

        /// A fixed delay in seconds.
        public init(seconds: Double) {
            self.init(seconds...seconds)
        }

        public init(integerLiteral value: Int) { self.init(seconds: Double(value)) }
        public init(floatLiteral value: Double) { self.init(seconds: value) }

        /// Milliseconds; a fixed delay draws nothing, so adding one keeps the random sequence of the others.
        public func millis(using random: inout some RandomNumberGenerator) -> Int64 {
            let seconds = lower >= upper ? lower : Double.random(in: lower...upper, using: &random)
            return Int64((max(seconds, 0) * 1000).rounded())
        }

        public var description: String {
            lower >= upper ? "\(Self.format(lower)) s" : "\(Self.format(lower))–\(Self.format(upper)) s"
        }

        private static func format(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(value)
        }
    }

    /// What the phone does with an incoming call.
    public enum Behaviour: Sendable, Equatable {
        /// Rings, answers after `after`, and once answered hangs up after `hangsUpAfter` (if set).
        case answers(after: Delay, hangsUpAfter: Delay? = nil)
        /// Answers 486 Busy Here at once, without ringing.
        case busy
        /// Answers a final failure status at once (603 Decline, 404, 500…).
        case rejects(status: Int)
        /// Rings until the caller or the ring timeout gives up.
        case neverAnswers
        /// Switched off: does not register, and stays silent if a stale binding sends it a call.
        case unregistered
    }

    public var tenantID: String
    public var extensionNumber: String
    public var behaviour: Behaviour
    /// Time between the INVITE reaching the phone and its 180 Ringing.
    public var ringDelay: Delay

    /// A phone of the line `tenantID/extensionNumber`.
    public init(tenantID: String, extensionNumber: String, behaviour: Behaviour, ringDelay: Delay = 0) {
        self.tenantID = tenantID
        self.extensionNumber = extensionNumber
        self.behaviour = behaviour
        self.ringDelay = ringDelay
    }

    /// Whether the phone registers when it is added to a simulation.
    public var registers: Bool { behaviour != .unregistered }

    /// "tenant/extension", the key of its line.
    public var lineID: String { "\(tenantID)/\(extensionNumber)" }
}
