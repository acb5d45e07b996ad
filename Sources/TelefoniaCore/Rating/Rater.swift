/// Prices calls under a tariff plan (M1).
///
/// **Choosing the rate.** For a public number the rate with the longest prefix of
/// the E.164 digits wins (a prefix restricted to the number's class beats an
/// unrestricted one of the same length); without a matching prefix, the rate of the
/// number's class applies. Emergency calls are always free. Internal and toll-free
/// calls are free unless the plan prices them. Any other destination without a
/// rate is not sold by the plan (the engine refuses the call).
///
/// **Billing time.** Unanswered calls, and answered calls of 0 billable seconds,
/// cost nothing. Otherwise the talk time is raised to the minimum, then rounded up
/// to the increments: the first step (`firstIncrement`) and then whole next steps.
/// With 30/6, 1 s → 30 s, 31 s → 36 s, 36 s → 36 s, 37 s → 42 s.
///
/// **Cost, rounding.** cost = connection fee + price per minute × billed seconds / 60,
/// computed exactly in ten-thousandths (times 60), then rounded to whole cents
/// half up, once: 20.5 cents → 21, 20.49 → 20. Everything is `Int64`, never floating
/// point.
public struct Rater: Sendable {
    /// What a plan does with a destination.
    public enum Match: Sendable, Equatable {
        /// Priced by this rate.
        case rate(Rate)
        /// Free: emergency, or internal / toll-free without a rate.
        case free
        /// The plan has no rate for it: the call is not sold.
        case notSold
    }

    /// The price of one call.
    public struct Charge: Sendable, Equatable {
        /// The rate used; nil for a free call.
        public var rate: Rate?
        /// Seconds billed after the minimum and the increments.
        public var billedSeconds: Int
        public var costCents: Int64

        public init(rate: Rate?, billedSeconds: Int, costCents: Int64) {
            self.rate = rate
            self.billedSeconds = billedSeconds
            self.costCents = costCents
        }
    }

    public let plan: TariffPlan
    /// Prefix → position of the rate for any class with it; built once per rater.
    private let prefixes: [String: Int]
    /// Prefix and class → position of the rate restricted to that class.
    private let classPrefixes: [ClassPrefix: Int]

    private struct ClassPrefix: Hashable {
        var prefix: String
        var numberClass: NumberClass
    }

    /// A rater for `plan`; reuse it for many calls of one plan (it indexes the prefixes).
    public init(plan: TariffPlan) {
        self.plan = plan
        var prefixes: [String: Int] = [:]
        var classPrefixes: [ClassPrefix: Int] = [:]
        prefixes.reserveCapacity(plan.rates.count)
        for (position, rate) in plan.rates.enumerated() {
            guard let prefix = rate.prefix else { continue }
            if let numberClass = rate.numberClass {
                classPrefixes[ClassPrefix(prefix: prefix, numberClass: numberClass)] = position
            } else {
                prefixes[prefix] = position
            }
        }
        self.prefixes = prefixes
        self.classPrefixes = classPrefixes
    }

    /// The rate for a number of `numberClass` whose E.164 form is `e164` ("+5511…";
    /// ignored for internal and emergency calls).
    public func match(numberClass: NumberClass, e164: String?) -> Match {
        if numberClass == .emergency { return .free }
        if numberClass != .internalCall, let e164, let best = longestPrefixRate(numberClass: numberClass, e164: e164) {
            return .rate(best)
        }
        if let rate = plan.rates.first(where: { $0.prefix == nil && $0.numberClass == numberClass }) {
            return .rate(rate)
        }
        return numberClass == .internalCall || numberClass == .tollFree ? .free : .notSold
    }

    /// The rate with the longest prefix of the number's digits (one restricted to the
    /// number's class first among equals), or nil: at most 15 lookups, whatever the plan's size.
    private func longestPrefixRate(numberClass: NumberClass, e164: String) -> Rate? {
        let digits = e164.hasPrefix("+") ? e164.dropFirst() : Substring(e164)
        var length = min(digits.count, 15)
        while length > 0 {
            let prefix = String(digits.prefix(length))
            if !classPrefixes.isEmpty, let position = classPrefixes[ClassPrefix(prefix: prefix, numberClass: numberClass)] {
                return plan.rates[position]
            }
            if let position = prefixes[prefix] { return plan.rates[position] }
            length -= 1
        }
        return nil
    }

    /// The price of a call of `billableSeconds` talk time (0 when it was not answered);
    /// nil when the plan does not sell the destination.
    public func charge(numberClass: NumberClass, e164: String?, billableSeconds: Int) -> Charge? {
        switch match(numberClass: numberClass, e164: e164) {
        case .rate(let rate):
            return Charge(rate: rate, billedSeconds: Self.billedSeconds(billableSeconds, rate: rate),
                          costCents: Self.costCents(billableSeconds: billableSeconds, rate: rate))
        case .free:
            return Charge(rate: nil, billedSeconds: 0, costCents: 0)
        case .notSold:
            return nil
        }
    }

    /// Every leading part of the E.164 digits of `e164` ("+5511…" → "5", "55", "551"…),
    /// the prefixes a rate may have to match it; none for nil (internal calls).
    public static func prefixes(of e164: String?) -> [String] {
        guard let e164 else { return [] }
        let digits = e164.hasPrefix("+") ? e164.dropFirst() : Substring(e164)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return [] }
        return (1...min(digits.count, 15)).map { String(digits.prefix($0)) }
    }

    /// Talk time billed for `seconds` of talk: 0 for 0; else raised to the minimum and
    /// rounded up to the first and next increments.
    public static func billedSeconds(_ seconds: Int, rate: Rate) -> Int {
        guard seconds > 0 else { return 0 }
        let talk = max(seconds, rate.minimumSeconds)
        let first = max(rate.firstIncrement, 1)
        let next = max(rate.nextIncrement, 1)
        if talk <= first { return first }
        let steps = (talk - first + next - 1) / next
        return first + steps * next
    }

    /// Cost in cents of `billableSeconds` of talk (see the type's rounding rule).
    public static func costCents(billableSeconds: Int, rate: Rate) -> Int64 {
        let billed = billedSeconds(billableSeconds, rate: rate)
        guard billed > 0 else { return 0 }
        return cents(billedSeconds: billed, rate: rate)
    }

    /// Exact cost of `billed` seconds in 1/60 ten-thousandths, rounded half up to cents.
    private static func cents(billedSeconds billed: Int, rate: Rate) -> Int64 {
        let sixtiethUnitsPerCent = 60 * Money.priceUnitsPerCent
        let total = rate.connectionFee * 60 + rate.pricePerMinute * Int64(billed)
        return (total + sixtiethUnitsPerCent / 2) / sixtiethUnitsPerCent
    }

    /// The longest talk time, in seconds, that `balanceCents` pays for at `rate`: the
    /// last point of the increment grid whose cost is within the balance, so a call
    /// cut there never takes the balance below zero. 0 when the balance does not pay
    /// the first step; nil when it is unlimited (a rate with no price per minute whose
    /// connection fee the balance covers).
    public static func maxSeconds(balanceCents: Int64, rate: Rate) -> Int? {
        let first = billedSeconds(1, rate: rate)
        guard balanceCents >= 0, cents(billedSeconds: first, rate: rate) <= balanceCents else { return 0 }
        guard rate.pricePerMinute > 0 else { return nil }
        // cents(g) <= B  ⇔  (60·C + P·g + 3000) / 6000 <= B  ⇔  P·g <= 6000·B + 2999 − 60·C.
        let sixtiethUnitsPerCent = 60 * Money.priceUnitsPerCent
        let (scaled, overflow) = balanceCents.multipliedReportingOverflow(by: sixtiethUnitsPerCent)
        guard !overflow, scaled < Int64.max / 2 else { return nil }
        let limit = scaled + sixtiethUnitsPerCent / 2 - 1 - rate.connectionFee * 60
        let longest = limit / rate.pricePerMinute
        let next = Int64(max(rate.nextIncrement, 1))
        let steps = (longest - Int64(first)) / next
        return first + Int(steps * next)
    }
}
