import TelefoniaCore

/// Plausible call records in start order, from a seed: the same seed and settings
/// give the same records. For report benchmarks (a million records) and for tests
/// that compare report implementations on varied data.
///
/// Mix: 70 % outbound (60 % mobile, 34 % fixed, 4 % international, 2 % toll-free; a
/// third to the tenant's own area), 10 % internal, 20 % inbound; 60 % answered,
/// 10 % busy, 12 % no answer, 8 % cancelled, 8 % failed with a carrier cause,
/// 2 % barred. Answered outbound calls are rated at 12 cents per started minute.
public struct CDRGenerator: Sequence, IteratorProtocol, Sendable {
    /// Tenant ids "t01", "t02"…; each has `linesPerTenant` lines "1000", "1001"… and area code 11.
    public let tenants: [String]
    public let linesPerTenant: Int
    /// Start times are spread evenly over [from, to) (unix ms).
    public let from: Int64
    public let to: Int64
    public let count: Int
    private var random: SeededRandom
    private var index = 0
    private let seed: UInt64

    /// `count` records for `tenants` tenants over [from, to).
    public init(count: Int, tenants: Int = 1, linesPerTenant: Int = 50, from: Int64, to: Int64, seed: UInt64 = 1) {
        self.count = count
        self.tenants = (1...Swift.max(tenants, 1)).map { $0 < 10 ? "t0\($0)" : "t\($0)" }
        self.linesPerTenant = Swift.max(linesPerTenant, 1)
        self.from = from
        self.to = to
        self.seed = seed
        self.random = SeededRandom(seed: seed)
    }

    public mutating func next() -> CDR? {
        guard index < count else { return nil }
        defer { index += 1 }
        let span = to - from
        // Even spacing with jitter inside the slot keeps the records in start order.
        let slot = span / Int64(Swift.max(count, 1))
        let start = from + Int64(index) * slot + (slot > 1 ? Int64(random.next() % UInt64(slot)) : 0)
        let tenant = tenants[Int(random.next() % UInt64(tenants.count))]
        let line = String(1000 + Int(random.next() % UInt64(linesPerTenant)))
        let id = "g\(seed)-\(index)"

        let roll = Int(random.next() % 100)
        let direction: CallDirection = roll < 70 ? .outbound : (roll < 80 ? .internalCall : .inbound)
        var normalized: String
        var numberClass: NumberClass?
        var caller = line
        switch direction {
        case .internalCall:
            normalized = String(1000 + Int(random.next() % UInt64(linesPerTenant)))
            numberClass = .internalCall
        case .inbound:
            caller = brazilianNumber(mobile: random.next() % 2 == 0).number
            normalized = "+5511300\(1000 + Int(random.next() % 100))"
        case .outbound:
            let kind = Int(random.next() % 100)
            if kind < 94 {
                let (number, area) = brazilianNumber(mobile: kind < 60)
                normalized = number
                let local = area == "11"
                numberClass = kind < 60 ? (local ? .mobileLocal : .mobileLongDistance) : (local ? .fixedLocal : .fixedLongDistance)
            } else if kind < 98 {
                let countries = ["1", "44", "351", "54", "49", "33", "598"]
                normalized = "+" + countries[Int(random.next() % UInt64(countries.count))] + digits(9)
                numberClass = .international
            } else {
                normalized = "+55800" + digits(7)
                numberClass = .tollFree
            }
        }
        let dialled = direction == .outbound ? normalized.replacingPrefix("+55", with: "0") : normalized

        let outcome = Int(random.next() % 100)
        let disposition: Disposition
        let cause: Int
        switch outcome {
        case ..<60: (disposition, cause) = (.answered, 200)
        case ..<70: (disposition, cause) = (.busy, [486, 600, 603][Int(random.next() % 3)])
        case ..<82: (disposition, cause) = (.noAnswer, [480, 408][Int(random.next() % 2)])
        case ..<90: (disposition, cause) = (.cancelled, 487)
        case ..<98: (disposition, cause) = (.failed, [404, 480, 484, 503, 502, 500, 488][Int(random.next() % 7)])
        default: (disposition, cause) = direction == .outbound ? (.denied, 403) : (.failed, 404)
        }
        let ring = Int64(2_000 + random.next() % 20_000)
        var answeredAt: Int64?
        var end = start + ring
        var cost: Int64?
        if disposition == .answered {
            answeredAt = start + ring
            // Mostly short calls, a few long ones (up to 20 minutes).
            let talk = Int64(1_000 + random.next() % 90_000) * (random.next() % 10 == 0 ? 13 : 1)
            end = start + ring + talk
            if direction == .outbound { cost = (talk + 59_999) / 60_000 * 12 }
        }
        return CDR(
            id: id, tenantID: tenant, line: line, direction: direction, caller: caller, dialled: dialled,
            normalized: normalized, numberClass: numberClass, startedAt: start, answeredAt: answeredAt, endedAt: end,
            disposition: disposition, sipCause: cause, reason: disposition == .answered ? "caller hung up" : "callee answered \(cause)",
            trunkID: direction == .internalCall ? nil : "carrier1", costCents: cost
        )
    }

    /// A third of the calls stay in area 11; the rest go to any of the 67 areas.
    private mutating func brazilianNumber(mobile: Bool) -> (number: String, area: String) {
        let area = random.next() % 3 == 0 ? "11" : Self.areas[Int(random.next() % UInt64(Self.areas.count))]
        let subscriber = mobile ? "9" + digits(8) : String(2 + random.next() % 4) + digits(7)
        return ("+55" + area + subscriber, area)
    }

    private mutating func digits(_ count: Int) -> String {
        var text = ""
        for _ in 0..<count { text.append(Character(Unicode.Scalar(UInt8(48 + random.next() % 10)))) }
        return text
    }

    private static let areas = Regions.all.map(\.areaCode)
}

extension String {
    fileprivate func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
