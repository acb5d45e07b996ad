/// The price of one destination in a tariff plan (M1): per minute, a connection fee,
/// billing increments and a minimum. Prices are ten-thousandths of the currency
/// unit (see `Money`).
///
/// A rate names its destination by a number class (every fixed-local number…), by a
/// prefix of the E.164 digits ("5511", "1", "44") or both (a prefix within one class).
/// `Rater` picks the longest matching prefix before falling back to the class rate.
public struct Rate: Sendable, Equatable, Codable {
    /// Destination class; with a prefix, the prefix only applies to numbers of this class.
    public var numberClass: NumberClass?
    /// Leading E.164 digits without "+", e.g. "5511" or "44".
    public var prefix: String?
    /// Ten-thousandths of the currency unit per minute: 3500 is 0.35 a minute.
    public var pricePerMinute: Int64
    /// Ten-thousandths charged once per answered call.
    public var connectionFee: Int64
    /// Seconds of the first billing step: a call of 1 s is billed this long (30 in 30/6).
    public var firstIncrement: Int
    /// Seconds of every later step (6 in 30/6).
    public var nextIncrement: Int
    /// Talk time billed at least (before rounding up to the steps); 0 for none.
    public var minimumSeconds: Int

    public init(
        numberClass: NumberClass? = nil, prefix: String? = nil, pricePerMinute: Int64, connectionFee: Int64 = 0,
        firstIncrement: Int = 30, nextIncrement: Int = 6, minimumSeconds: Int = 0
    ) {
        self.numberClass = numberClass
        self.prefix = prefix
        self.pricePerMinute = pricePerMinute
        self.connectionFee = connectionFee
        self.firstIncrement = firstIncrement
        self.nextIncrement = nextIncrement
        self.minimumSeconds = minimumSeconds
    }

    /// Two rates with the same destination cannot be in one plan.
    public struct Destination: Hashable, Sendable {
        public var numberClass: NumberClass?
        public var prefix: String?

        public init(numberClass: NumberClass?, prefix: String?) {
            self.numberClass = numberClass
            self.prefix = prefix
        }
    }

    public var destination: Destination { Destination(numberClass: numberClass, prefix: prefix) }

    /// "fixed-local", "prefix 5511", "prefix 5511 (mobile-local)".
    public var destinationDescription: String {
        switch (prefix, numberClass) {
        case (let prefix?, let numberClass?): return "prefix \(prefix) (\(numberClass.rawValue))"
        case (let prefix?, nil): return "prefix \(prefix)"
        case (nil, let numberClass?): return numberClass.rawValue
        case (nil, nil): return "-"
        }
    }

    /// "30/6".
    public var incrementsDescription: String { "\(firstIncrement)/\(nextIncrement)" }

    /// Throws when the rate cannot be used: no destination, emergency (always free),
    /// a prefix that is not 1–15 digits, steps under 1 s, negative prices.
    public func validate() throws(RatingError) {
        if numberClass == nil && prefix == nil {
            throw RatingError(.invalidRate, "a rate needs a destination class, a prefix or both")
        }
        if numberClass == .emergency {
            throw RatingError(.invalidRate, "emergency calls are always free and cannot have a rate")
        }
        if let prefix, !(1...15).contains(prefix.count) || !prefix.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw RatingError(.invalidRate, "prefix '\(prefix)' must be 1 to 15 digits of the E.164 number without '+', e.g. 5511")
        }
        if let prefix, prefix.hasPrefix("0") {
            throw RatingError(.invalidRate, "prefix '\(prefix)' must start with the country code (E.164), e.g. 5511 rather than 011")
        }
        guard (1...3600).contains(firstIncrement), (1...3600).contains(nextIncrement) else {
            throw RatingError(.invalidRate, "increments must be 1 to 3600 seconds, e.g. 30/6 or 60/60")
        }
        guard (0...3600).contains(minimumSeconds) else {
            throw RatingError(.invalidRate, "the minimum must be 0 to 3600 seconds")
        }
        // 10^13 ten-thousandths is a billion a minute: far beyond any tariff, and it keeps the arithmetic exact.
        let limit: Int64 = 10_000_000_000_000
        guard (0...limit).contains(pricePerMinute), (0...limit).contains(connectionFee) else {
            throw RatingError(.invalidRate, "prices must be zero or positive (and below a billion)")
        }
    }
}
