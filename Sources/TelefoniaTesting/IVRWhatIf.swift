import Foundation
import TelefoniaCore

/// B2, the what-if: a tenant's real IVR configuration run against a generated day of
/// callers on a virtual clock, before it goes live. Callers arrive through the day by
/// an hourly profile, press one of the keys the menu they are in offers (sometimes a
/// wrong key, sometimes nothing, sometimes they give up and hang up), and every call is
/// walked through `IVRFlow` exactly as the server would. The result counts where the
/// calls ended.
public struct IVRWhatIf: Sendable {
    /// How callers behave.
    public struct Callers: Sendable, Equatable {
        /// Calls in the day.
        public var calls = 10_000
        /// Share of the day's calls arriving in each local hour 0–23 (normalised); the
        /// default is a business day peaking at 10:00 and 15:00.
        public var hourlyShape: [Double] = [1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 3, 8, 12, 14, 12, 8, 9, 12, 13, 11, 8, 5, 3, 2, 1.5, 1.2, 1]
        /// Chance that a caller presses a key with no option.
        public var wrongKey = 0.08
        /// Chance that a caller presses nothing.
        public var silence = 0.07
        /// Chance that a caller hangs up at a menu instead of answering it.
        public var abandon = 0.03

        public init() {}
    }

    /// Where a day's calls ended.
    public struct Outcome: Sendable, Equatable {
        public var calls = 0
        /// Exit → calls: a destination (`line:201`, `voicemail:202`), `hangup` (the IVR
        /// hung up: option, after hours, attempts) or `abandoned` (the caller hung up).
        public var exits: [String: Int] = [:]
        /// Menu → key or event → calls (how each menu's options were used).
        public var choices: [String: [String: Int]] = [:]
        /// Calls that met a menu outside its hours.
        public var afterHours = 0
    }

    public let tenantID: String
    private let directory: any IVRDirectory

    public init(tenantID: String, directory: any IVRDirectory) {
        self.tenantID = tenantID
        self.directory = directory
    }

    /// Runs `callers` through menu `start` over the local day `day` (midnight to
    /// midnight in `timeZone`), seeded.
    public func run(start: String, day: LocalDate, timeZone: String = TimeProfile.defaultTimeZone, callers: Callers = Callers(),
                    seed: UInt64 = 1) async throws -> Outcome {
        guard try directory.menu(tenantID: tenantID, number: start) != nil else {
            throw StoreError(.notFound, "tenant \(tenantID) has no IVR \(start)")
        }
        var random = SeededRandom(seed: seed)
        let midnight = Self.midnight(of: day, timeZone: timeZone)
        let arrivals = Self.arrivals(callers.calls, shape: callers.hourlyShape, from: midnight, random: &random)
        var outcome = Outcome()
        for arrival in arrivals {
            let clock = ManualClock(startMillis: arrival)
            let tracking = TrackingDirectory(inner: directory)
            let caller = SimulatedCaller(tenantID: tenantID, clock: clock, directory: tracking, behaviour: callers,
                                         seed: random.next())
            let (exit, path) = await IVRFlow(tenantID: tenantID, directory: tracking, clock: clock).run(from: start, on: caller)
            outcome.calls += 1
            let label: String
            switch exit {
            case .callerHungUp: label = "abandoned"
            case .hungUp: label = "hangup"
            case .connect(let destination): label = destination.description
            }
            outcome.exits[label, default: 0] += 1
            for step in path {
                if step.event == "after-hours" { outcome.afterHours += 1 }
                outcome.choices[step.menu, default: [:]][step.event.hasPrefix("I:") ? "I" : step.event, default: 0] += 1
            }
        }
        return outcome
    }

    /// Unix ms of 00:00 of `day` in `timeZone`.
    static func midnight(of day: LocalDate, timeZone: String) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: -3 * 3600)!
        let date = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day)) ?? Date(timeIntervalSince1970: 0)
        return Int64(date.timeIntervalSince1970 * 1000)
    }

    /// `count` arrival times in the day from `midnight`, spread over the hours by `shape`, sorted.
    static func arrivals(_ count: Int, shape: [Double], from midnight: Int64, random: inout SeededRandom) -> [Int64] {
        let weights = shape.count == 24 ? shape.map { max(0, $0) } : Array(repeating: 1.0, count: 24)
        let total = max(weights.reduce(0, +), 1e-9)
        var cumulative: [Double] = []
        var sum = 0.0
        for weight in weights {
            sum += weight / total
            cumulative.append(sum)
        }
        var times: [Int64] = []
        times.reserveCapacity(count)
        for _ in 0..<count {
            let u = Double.random(in: 0..<1, using: &random)
            let hour = cumulative.firstIndex { u < $0 } ?? 23
            let offset = Int64.random(in: 0..<3_600_000, using: &random)
            times.append(midnight + Int64(hour) * 3_600_000 + offset)
        }
        return times.sorted()
    }
}

/// Remembers the menu the flow entered last, so the simulated caller answers it.
private final class TrackingDirectory: IVRDirectory, @unchecked Sendable {
    let inner: any IVRDirectory
    var current: IVRMenu?

    init(inner: any IVRDirectory) { self.inner = inner }

    func menu(tenantID: String, number: String) throws -> IVRMenu? {
        let menu = try inner.menu(tenantID: tenantID, number: number)
        current = menu
        return menu
    }

    func timeProfile(tenantID: String, name: String) throws -> TimeProfile? { try inner.timeProfile(tenantID: tenantID, name: name) }
    func hasLine(tenantID: String, extensionNumber: String) throws -> Bool {
        try inner.hasLine(tenantID: tenantID, extensionNumber: extensionNumber)
    }
}

/// A generated caller: hears prompts (the clock moves a second each), then presses a key
/// the current menu offers, a wrong key, nothing, or hangs up.
private final class SimulatedCaller: CallChannel, @unchecked Sendable {
    let tenantID: String
    private let clock: ManualClock
    private let directory: TrackingDirectory
    private let behaviour: IVRWhatIf.Callers
    private var random: SeededRandom
    private(set) var isUp = true

    init(tenantID: String, clock: ManualClock, directory: TrackingDirectory, behaviour: IVRWhatIf.Callers, seed: UInt64) {
        self.tenantID = tenantID
        self.clock = clock
        self.directory = directory
        self.behaviour = behaviour
        self.random = SeededRandom(seed: seed)
    }

    func play(_ audio: AudioSource, bargeIn: Bool) async throws -> Character? {
        guard isUp else { throw ChannelError.hungUp }
        _ = clock.advance(byMillis: 1000)
        return nil
    }

    func playLoop(_ audio: AudioSource) async throws { guard isUp else { throw ChannelError.hungUp } }
    func stop() {}

    func collectDigits(_ options: DigitCollection) async throws -> String {
        let u = Double.random(in: 0..<1, using: &random)
        if u < behaviour.abandon {
            isUp = false
            throw ChannelError.hungUp
        }
        if u < behaviour.abandon + behaviour.silence {
            _ = clock.advance(byMillis: Int64(options.firstDigitTimeout))
            return ""
        }
        _ = clock.advance(byMillis: 1500)
        let offered = directory.current.map { menu in
            IVRKey.allCases.filter { $0 != .timeout && $0 != .invalid && menu.options[$0] != nil }
        } ?? []
        if u < behaviour.abandon + behaviour.silence + behaviour.wrongKey || offered.isEmpty {
            let unused = IVRKey.allCases.filter { $0 != .timeout && $0 != .invalid && !offered.contains($0) }
            return unused.randomElement(using: &random)?.rawValue ?? "0"
        }
        return offered.randomElement(using: &random)!.rawValue
    }

    func record(_ options: RecordingOptions) async throws -> RecordedAudio { RecordedAudio(samples: [], ending: .hangUp) }
    func bridge(to other: any CallChannel) async throws { throw ChannelError.cannotBridge }
    func hangUp() async { isUp = false }
}
