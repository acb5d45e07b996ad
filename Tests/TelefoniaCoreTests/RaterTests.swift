import Testing
import TelefoniaCore

/// One priced call: a rate, a talk time, and the billed seconds and cents worked out by hand.
struct PricingCase: Sendable, CustomTestStringConvertible {
    var name: String
    var rate: Rate
    var seconds: Int
    var billed: Int
    var cents: Int64
    var testDescription: String { name }
}

/// A rate for a class, 0.35 a minute, 30/6, no fee, no minimum unless given.
private func rate(
    _ price: Int64, fee: Int64 = 0, _ first: Int = 30, _ next: Int = 6, minimum: Int = 0,
    class numberClass: NumberClass = .mobileLocal, prefix: String? = nil
) -> Rate {
    Rate(numberClass: numberClass, prefix: prefix, pricePerMinute: price, connectionFee: fee,
         firstIncrement: first, nextIncrement: next, minimumSeconds: minimum)
}

/// Prices are ten-thousandths of the currency unit: 3500 is 0.35 a minute.
/// Every expected value below was worked out by hand: billed seconds from the
/// increments, then (fee·60 + price·billed) / 60 in ten-thousandths, then cents half up.
private let pricingCases: [PricingCase] = [
    // 30/6 at 0.35/min.
    PricingCase(name: "30/6: unanswered costs nothing", rate: rate(3500), seconds: 0, billed: 0, cents: 0),
    PricingCase(name: "30/6: 1 s is billed 30 s = 17.5 → 18 cents", rate: rate(3500), seconds: 1, billed: 30, cents: 18),
    PricingCase(name: "30/6: 30 s = 17.5 → 18 cents", rate: rate(3500), seconds: 30, billed: 30, cents: 18),
    PricingCase(name: "30/6: 31 s is billed 36 s = 21 cents", rate: rate(3500), seconds: 31, billed: 36, cents: 21),
    PricingCase(name: "30/6: 36 s = 21 cents", rate: rate(3500), seconds: 36, billed: 36, cents: 21),
    PricingCase(name: "30/6: 37 s is billed 42 s = 24.5 → 25 cents", rate: rate(3500), seconds: 37, billed: 42, cents: 25),
    PricingCase(name: "30/6: 60 s = 35 cents", rate: rate(3500), seconds: 60, billed: 60, cents: 35),
    PricingCase(name: "30/6: 5 minutes = 1.75", rate: rate(3500), seconds: 300, billed: 300, cents: 175),
    PricingCase(name: "30/6: 301 s is billed 306 s = 178.5 → 179 cents", rate: rate(3500), seconds: 301, billed: 306, cents: 179),
    // 60/60 at 0.12/min with a 0.10 connection fee.
    PricingCase(name: "60/60 + fee: 1 s is billed 60 s = 10 + 12 cents", rate: rate(1200, fee: 1000, 60, 60), seconds: 1, billed: 60, cents: 22),
    PricingCase(name: "60/60 + fee: 60 s = 22 cents", rate: rate(1200, fee: 1000, 60, 60), seconds: 60, billed: 60, cents: 22),
    PricingCase(name: "60/60 + fee: 61 s is billed 120 s = 10 + 24 cents", rate: rate(1200, fee: 1000, 60, 60), seconds: 61, billed: 120, cents: 34),
    PricingCase(name: "60/60 + fee: unanswered pays no fee", rate: rate(1200, fee: 1000, 60, 60), seconds: 0, billed: 0, cents: 0),
    // Minimum billable time.
    PricingCase(name: "minimum 30 on 6/6: 5 s is billed 30 s = 25 cents", rate: rate(5000, 6, 6, minimum: 30), seconds: 5, billed: 30, cents: 25),
    PricingCase(name: "minimum 30 on 6/6: 31 s is billed 36 s = 30 cents", rate: rate(5000, 6, 6, minimum: 30), seconds: 31, billed: 36, cents: 30),
    PricingCase(name: "minimum 45 on 30/6: 1 s is billed 48 s = 48 cents", rate: rate(6000, minimum: 45), seconds: 1, billed: 48, cents: 48),
    PricingCase(name: "minimum 45 on 30/6: 50 s is billed 54 s = 54 cents", rate: rate(6000, minimum: 45), seconds: 50, billed: 54, cents: 54),
    PricingCase(name: "minimum 90 on 60/60: 10 s is billed 120 s", rate: rate(1200, 60, 60, minimum: 90), seconds: 10, billed: 120, cents: 24),
    // Connection fees with sub-cent parts.
    PricingCase(name: "fee 0.015 + 0.90/min for 1 s on 1/1 = 1.5 + 1.5 = 3 cents", rate: rate(9000, fee: 150, 1, 1), seconds: 1, billed: 1, cents: 3),
    PricingCase(name: "fee 0.0149 + 0 for a free minute = 1.49 → 1 cent", rate: rate(0, fee: 149, 60, 60), seconds: 60, billed: 60, cents: 1),
    PricingCase(name: "fee 0.015 + 0 = 1.5 → 2 cents", rate: rate(0, fee: 150, 60, 60), seconds: 60, billed: 60, cents: 2),
    // Rounding to the cent, half up.
    PricingCase(name: "half a cent rounds up: 0.01/min for 30 s = 0.5 → 1", rate: rate(100, 30, 30), seconds: 30, billed: 30, cents: 1),
    PricingCase(name: "just under half rounds down: 0.0098/min for 30 s = 0.49 → 0", rate: rate(98, 30, 30), seconds: 30, billed: 30, cents: 0),
    PricingCase(name: "0.07/min for 30 s = 3.5 → 4 cents", rate: rate(700), seconds: 30, billed: 30, cents: 4),
    PricingCase(name: "0.07/min for 36 s = 4.2 → 4 cents", rate: rate(700), seconds: 36, billed: 36, cents: 4),
    PricingCase(name: "0.0999/min for 60 s = 9.99 → 10 cents", rate: rate(999, 60, 60), seconds: 60, billed: 60, cents: 10),
    PricingCase(name: "per second 0.35/min for 7 s = 4.083 → 4 cents", rate: rate(3500, 1, 1), seconds: 7, billed: 7, cents: 4),
    PricingCase(name: "per second 0.35/min for 13 s = 7.583 → 8 cents", rate: rate(3500, 1, 1), seconds: 13, billed: 13, cents: 8),
    PricingCase(name: "per second 0.90/min for 1 s = 1.5 → 2 cents", rate: rate(9000, 1, 1), seconds: 1, billed: 1, cents: 2),
    PricingCase(name: "an hour at 1.20/min on 60/60 = 72.00", rate: rate(12000, 60, 60), seconds: 3600, billed: 3600, cents: 7200),
]

/// A number as the engine sees it, for class and prefix choice.
struct ClassCase: Sendable, CustomTestStringConvertible {
    var dialled: String
    var numberClass: NumberClass
    /// Cents for one minute under `classPlan`; nil when the plan does not sell it.
    var cents: Int64?
    var testDescription: String { "\(dialled) (\(numberClass.rawValue))" }
}

/// One rate per class, 60/60, so one minute costs the price per minute in cents.
private let classPlan = TariffPlan(id: "classes", name: "Every class", kind: .postpaid, rates: [
    rate(1000, 60, 60, class: .fixedLocal),
    rate(2500, 60, 60, class: .fixedLongDistance),
    rate(3500, 60, 60, class: .mobileLocal),
    rate(4500, 60, 60, class: .mobileLongDistance),
    rate(12000, 60, 60, class: .international),
    rate(500, 60, 60, class: .tollFree),
    rate(100, 60, 60, class: .internalCall),
])

/// Dialled from area 11.
private let classCases: [ClassCase] = [
    ClassCase(dialled: "3000-1000", numberClass: .fixedLocal, cents: 10),
    ClassCase(dialled: "021 3000-1000", numberClass: .fixedLongDistance, cents: 25),
    ClassCase(dialled: "98765-4321", numberClass: .mobileLocal, cents: 35),
    ClassCase(dialled: "021 98765-4321", numberClass: .mobileLongDistance, cents: 45),
    ClassCase(dialled: "00 1 415 555 0100", numberClass: .international, cents: 120),
    ClassCase(dialled: "0800 123 4567", numberClass: .tollFree, cents: 5),
    ClassCase(dialled: "190", numberClass: .emergency, cents: 0),
]

/// The E.164 number a case dials, and which rate of `prefixPlan` it must get.
struct PrefixCase: Sendable, CustomTestStringConvertible {
    var e164: String
    var numberClass: NumberClass
    /// Price per minute of the rate that must win.
    var price: Int64
    var why: String
    var testDescription: String { "\(e164): \(why)" }
}

private let prefixPlan = TariffPlan(id: "prefixes", name: "Prefixes", kind: .postpaid, rates: [
    rate(3500, class: .mobileLocal),
    rate(12000, class: .international),
    rate(5000, class: .fixedLocal),
    rate(5000, class: .fixedLongDistance),
    rate(5000, class: .mobileLongDistance),
    Rate(prefix: "55", pricePerMinute: 4900),
    Rate(prefix: "5511", pricePerMinute: 4000),
    Rate(numberClass: .mobileLocal, prefix: "551198", pricePerMinute: 2000),
    Rate(prefix: "55119", pricePerMinute: 3000),
    Rate(numberClass: .mobileLocal, prefix: "55119", pricePerMinute: 2500),
    Rate(numberClass: .fixedLongDistance, prefix: "5521", pricePerMinute: 1500),
    Rate(prefix: "1", pricePerMinute: 8000),
    Rate(prefix: "1415", pricePerMinute: 6000),
])

private let prefixCases: [PrefixCase] = [
    PrefixCase(e164: "+5511987654321", numberClass: .mobileLocal, price: 2000, why: "551198 is the longest matching prefix"),
    PrefixCase(e164: "+5511976543210", numberClass: .mobileLocal, price: 2500, why: "55119 restricted to mobile-local beats 55119 for any class"),
    PrefixCase(e164: "+551130001000", numberClass: .fixedLocal, price: 4000, why: "5511 beats 55 and the fixed-local class rate"),
    PrefixCase(e164: "+552130001000", numberClass: .fixedLongDistance, price: 1500, why: "5521 restricted to fixed-ldn applies"),
    PrefixCase(e164: "+5521987654321", numberClass: .mobileLongDistance, price: 4900, why: "5521 is only for fixed-ldn, so 55 wins"),
    PrefixCase(e164: "+14155550100", numberClass: .international, price: 6000, why: "1415 beats 1"),
    PrefixCase(e164: "+12125550100", numberClass: .international, price: 8000, why: "only 1 matches"),
    PrefixCase(e164: "+442079460000", numberClass: .international, price: 12000, why: "no prefix matches: the class rate"),
]

/// What a balance pays for, worked out by hand.
struct BalanceCase: Sendable, CustomTestStringConvertible {
    var name: String
    var rate: Rate
    var balance: Int64
    /// nil: unlimited.
    var seconds: Int?
    var testDescription: String { name }
}

private let balanceCases: [BalanceCase] = [
    BalanceCase(name: "0.35/min 30/6: nothing for 0", rate: rate(3500), balance: 0, seconds: 0),
    BalanceCase(name: "0.35/min 30/6: 0.17 does not pay the first 30 s (0.18)", rate: rate(3500), balance: 17, seconds: 0),
    BalanceCase(name: "0.35/min 30/6: 0.18 pays 30 s", rate: rate(3500), balance: 18, seconds: 30),
    BalanceCase(name: "0.35/min 30/6: 0.20 pays 30 s (36 s cost 0.21)", rate: rate(3500), balance: 20, seconds: 30),
    BalanceCase(name: "0.35/min 30/6: 0.21 pays 36 s", rate: rate(3500), balance: 21, seconds: 36),
    BalanceCase(name: "0.35/min 30/6: 1.00 pays 168 s (0.98; 174 s cost 1.02)", rate: rate(3500), balance: 100, seconds: 168),
    BalanceCase(name: "0.35/min 30/6: 2.00 pays 342 s (199.5 → 2.00)", rate: rate(3500), balance: 200, seconds: 342),
    BalanceCase(name: "0.60/min 30/6: 0.60 pays exactly 60 s", rate: rate(6000), balance: 60, seconds: 60),
    BalanceCase(name: "60/60 + fee: 0.21 does not pay the first minute (0.22)", rate: rate(1200, fee: 1000, 60, 60), balance: 21, seconds: 0),
    BalanceCase(name: "60/60 + fee: 0.33 pays 60 s (120 s cost 0.34)", rate: rate(1200, fee: 1000, 60, 60), balance: 33, seconds: 60),
    BalanceCase(name: "60/60 + fee: 0.34 pays 120 s", rate: rate(1200, fee: 1000, 60, 60), balance: 34, seconds: 120),
    BalanceCase(name: "minimum 45 on 30/6: 0.47 pays nothing (48 s cost 0.48)", rate: rate(6000, minimum: 45), balance: 47, seconds: 0),
    BalanceCase(name: "minimum 45 on 30/6: 0.50 pays 48 s", rate: rate(6000, minimum: 45), balance: 50, seconds: 48),
    BalanceCase(name: "half-up: 0.01/min 30/30, 0.01 pays 60 s (90 s cost 1.5 → 2)", rate: rate(100, 30, 30), balance: 1, seconds: 60),
    BalanceCase(name: "free minutes with a 0.10 fee: 0.09 pays nothing", rate: rate(0, fee: 1000, 60, 60), balance: 9, seconds: 0),
    BalanceCase(name: "free minutes with a 0.10 fee: 0.10 is unlimited", rate: rate(0, fee: 1000, 60, 60), balance: 10, seconds: nil),
    BalanceCase(name: "a negative balance pays nothing", rate: rate(3500), balance: -5, seconds: 0),
]

@Suite struct RaterTests {
    /// Increments, minimums, connection fees and the half-up rounding give the hand-computed price.
    @Test(arguments: pricingCases)
    func pricesACall(_ example: PricingCase) {
        #expect(Rater.billedSeconds(example.seconds, rate: example.rate) == example.billed)
        #expect(Rater.costCents(billableSeconds: example.seconds, rate: example.rate) == example.cents)
    }

    /// Every destination class is priced by its own rate; emergency is always free.
    @Test(arguments: classCases)
    func pricesEveryClass(_ example: ClassCase) throws {
        let number = try NumberPlan(homeArea: "11").normalize(example.dialled)
        #expect(number.numberClass == example.numberClass)
        let charge = Rater(plan: classPlan).charge(numberClass: number.numberClass, e164: number.e164, billableSeconds: 60)
        #expect(charge?.costCents == example.cents)
        #expect(charge?.rate?.numberClass == (example.numberClass == .emergency ? nil : example.numberClass))
    }

    /// Internal calls use the plan's internal rate when there is one.
    @Test func pricesInternalCallsByTheirRate() {
        let charge = Rater(plan: classPlan).charge(numberClass: .internalCall, e164: "1001", billableSeconds: 60)
        #expect(charge == Rater.Charge(rate: rate(100, 60, 60, class: .internalCall), billedSeconds: 60, costCents: 1))
    }

    /// Without a rate, internal and toll-free calls are free and other classes are not sold; emergency is always free.
    @Test func treatsUnpricedClasses() {
        let rater = Rater(plan: TariffPlan(id: "mobile", name: "Mobile only", kind: .prepaid, rates: [rate(3500)]))
        #expect(rater.match(numberClass: .internalCall, e164: "1001") == .free)
        #expect(rater.match(numberClass: .tollFree, e164: "+558001234567") == .free)
        #expect(rater.match(numberClass: .emergency, e164: "190") == .free)
        #expect(rater.match(numberClass: .fixedLocal, e164: "+551130001000") == .notSold)
        #expect(rater.match(numberClass: .international, e164: "+14155550100") == .notSold)
        #expect(rater.charge(numberClass: .international, e164: "+14155550100", billableSeconds: 60) == nil)
        #expect(rater.charge(numberClass: .internalCall, e164: "1001", billableSeconds: 60) == Rater.Charge(rate: nil, billedSeconds: 0, costCents: 0))
    }

    /// The longest matching prefix wins over shorter ones and over the class rate.
    @Test(arguments: prefixCases)
    func choosesTheLongestPrefix(_ example: PrefixCase) {
        let match = Rater(plan: prefixPlan).match(numberClass: example.numberClass, e164: example.e164)
        guard case .rate(let chosen) = match else {
            Issue.record("no rate for \(example.e164)")
            return
        }
        #expect(chosen.pricePerMinute == example.price)
    }

    /// Prefixes are not applied to internal extensions, even when the digits match.
    @Test func ignoresPrefixesForExtensions() {
        let plan = TariffPlan(id: "p", name: "p", kind: .postpaid, rates: [Rate(prefix: "1", pricePerMinute: 8000)])
        #expect(Rater(plan: plan).match(numberClass: .internalCall, e164: "1001") == .free)
    }

    /// The prefixes a rate may have to match a number are the leading parts of its digits.
    @Test func listsTheLeadingPartsOfANumber() {
        #expect(Rater.prefixes(of: "+55119") == ["5", "55", "551", "5511", "55119"])
        #expect(Rater.prefixes(of: "1001x") == [])
        #expect(Rater.prefixes(of: nil) == [])
        #expect(Rater.prefixes(of: "+1234567890123456789").count == 15)
    }

    /// The balance pays the hand-computed talk time: the last increment it covers.
    @Test(arguments: balanceCases)
    func findsTheLongestPaidTalkTime(_ example: BalanceCase) {
        #expect(Rater.maxSeconds(balanceCents: example.balance, rate: example.rate) == example.seconds)
    }

    /// For many balances, the time found costs at most the balance and one more increment costs more.
    @Test func maxSecondsNeverOverspends() {
        let rates = [rate(3500), rate(1200, fee: 1000, 60, 60), rate(6000, minimum: 45), rate(100, 30, 30), rate(9000, fee: 150, 1, 1), rate(777, 6, 6)]
        for rate in rates {
            for balance in Int64(0)...600 {
                guard let seconds = Rater.maxSeconds(balanceCents: balance, rate: rate) else {
                    Issue.record("unlimited for a priced rate")
                    continue
                }
                #expect(Rater.costCents(billableSeconds: seconds, rate: rate) <= balance)
                let further = seconds == 0 ? 1 : seconds + 1
                #expect(Rater.costCents(billableSeconds: further, rate: rate) > balance)
                #expect(seconds == 0 || Rater.billedSeconds(seconds, rate: rate) == seconds)
            }
        }
    }

    /// Rates with no destination, bad prefixes or steps, or for emergency calls are refused.
    @Test func validatesRates() {
        #expect(throws: RatingError(.invalidRate, "a rate needs a destination class, a prefix or both")) {
            try Rate(pricePerMinute: 100).validate()
        }
        #expect(throws: RatingError(.invalidRate, "emergency calls are always free and cannot have a rate")) {
            try Rate(numberClass: .emergency, pricePerMinute: 100).validate()
        }
        #expect(throws: RatingError(.invalidRate, "prefix '55a' must be 1 to 15 digits of the E.164 number without '+', e.g. 5511")) {
            try Rate(prefix: "55a", pricePerMinute: 100).validate()
        }
        #expect(throws: RatingError(.invalidRate, "prefix '011' must start with the country code (E.164), e.g. 5511 rather than 011")) {
            try Rate(prefix: "011", pricePerMinute: 100).validate()
        }
        #expect(throws: RatingError(.invalidRate, "increments must be 1 to 3600 seconds, e.g. 30/6 or 60/60")) {
            try Rate(numberClass: .fixedLocal, pricePerMinute: 100, firstIncrement: 30, nextIncrement: 0).validate()
        }
        #expect(throws: RatingError(.invalidRate, "plan p has two rates for fixed-local")) {
            try TariffPlan(id: "p", name: "p", kind: .postpaid, rates: [rate(1, class: .fixedLocal), rate(2, class: .fixedLocal)]).validate()
        }
    }
}

@Suite struct MoneyTests {
    /// Decimal text becomes exact integers of the given precision.
    @Test func parsesDecimalsExactly() throws {
        #expect(try Money.price("0.35") == 3500)
        #expect(try Money.price("0.0125") == 125)
        #expect(try Money.price("1") == 10000)
        #expect(try Money.price(".5") == 5000)
        #expect(try Money.price("12.3") == 123000)
        #expect(try Money.cents("10.5") == 1050)
        #expect(try Money.cents("0.07") == 7)
        #expect(try Money.cents("-2.50", allowNegative: true) == -250)
    }

    /// Too many decimals, commas, signs and junk are refused, never rounded.
    @Test func refusesInexactAmounts() {
        #expect(throws: RatingError(.invalidAmount, "'0.12345' has more than 4 decimal places")) { try Money.price("0.12345") }
        #expect(throws: RatingError(.invalidAmount, "'10.505' has more than 2 decimal places")) { try Money.cents("10.505") }
        #expect(throws: RatingError(.invalidAmount, "'1,50' is not an amount (use a dot as decimal separator); write it like 12.50")) {
            try Money.cents("1,50")
        }
        for text in ["", ".", "1.", "-1", "1e3", "0x10", " 1", "1.2.3"] {
            #expect(throws: RatingError.self) { try Money.cents(text) }
        }
        #expect(throws: RatingError(.invalidAmount, "'99999999999999' is too large")) { try Money.cents("99999999999999") }
    }

    /// Amounts print with two decimals; prices with two to four.
    @Test func formatsAmountsAndPrices() {
        #expect(Money.format(cents: 1050) == "10.50")
        #expect(Money.format(cents: 7) == "0.07")
        #expect(Money.format(cents: -5) == "-0.05")
        #expect(Money.format(price: 3500) == "0.35")
        #expect(Money.format(price: 125) == "0.0125")
        #expect(Money.format(price: 10000) == "1.00")
        #expect(Money.format(price: 1) == "0.0001")
    }
}
