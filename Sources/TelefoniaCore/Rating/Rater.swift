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

    public var plan: TariffPlan

    public init(plan: TariffPlan) {
        self.plan = plan
    }

    /// The rate for a number of `numberClass` whose E.164 form is `e164` ("+5511…";
    /// ignored for internal and emergency calls).
    public func match(numberClass: NumberClass, e164: String?) -> Match {
        if numberClass == .emergency { return .free }
        if numberClass != .internalCall, let e164 {
            let digits = e164.hasPrefix("+") ? Substring(e164.dropFirst()) : Substring(e164)
            var best: Rate?
            for rate in plan.rates {
                guard let prefix = rate.prefix, digits.hasPrefix(prefix) else { continue }
                if let restricted = rate.numberClass, restricted != numberClass { continue }
                if let current = best {
                    let longer = prefix.count > current.prefix!.count
                    let sameButNarrower = prefix.count == current.prefix!.count && rate.numberClass != nil && current.numberClass == nil
                    if !(longer || sameButNarrower) { continue }
                }
                best = rate
            }
            if let best { return .rate(best) }
        }
        if let rate = plan.rates.first(where: { $0.prefix == nil && $0.numberClass == numberClass }) {
            return .rate(rate)
        }
        return numberClass == .internalCall || numberClass == .tollFree ? .free : .notSold
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
