/// Money in Telefonia is always an integer, never floating point:
///
/// - **Prices** (price per minute, connection fee) are `Int64` ten-thousandths of the
///   currency unit: R$ 0,35 is `3500`, R$ 0,0125 is `125`. Per-minute prices need
///   sub-cent precision (a 6 s step of a R$ 0,35/min rate is R$ 0,035).
/// - **Amounts** (call costs, balances, recharges, invoices) are `Int64` cents.
///
/// A call's cost is computed exactly in ten-thousandths (and sixtieths of them, for
/// the seconds) and rounded once, at the end, to whole cents, half up (see `Rater`).
/// Text is parsed and printed with a dot as decimal separator, exactly digit by digit.
public enum Money {
    /// Decimal places of a price: ten-thousandths of the currency unit.
    public static let priceDecimals = 4
    /// Decimal places of an amount: cents.
    public static let centDecimals = 2
    /// Price units in one cent.
    public static let priceUnitsPerCent: Int64 = 100

    /// Parses "0.35", "12", "1.5" or "0.0125" into an integer of `decimals` decimal
    /// places ("0.35" with 4 decimals is 3500). Only digits and one dot; a leading
    /// "-" only when `allowNegative`. More decimals than `decimals`, a comma or
    /// anything else is refused rather than rounded.
    public static func parse(_ text: String, decimals: Int, allowNegative: Bool = false) throws(RatingError) -> Int64 {
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" && allowNegative {
            negative = true
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        let isDigits = { (part: Substring) in part.allSatisfy { $0.isASCII && $0.isNumber } }
        guard !(whole.isEmpty && fraction.isEmpty), isDigits(whole), isDigits(fraction), !(parts.count == 2 && fraction.isEmpty)
        else {
            let hint = text.contains(",") ? " (use a dot as decimal separator)" : ""
            throw RatingError(.invalidAmount, "'\(text)' is not an amount\(hint); write it like 12.50")
        }
        guard fraction.count <= decimals else {
            throw RatingError(.invalidAmount, "'\(text)' has more than \(decimals) decimal places")
        }
        // 13 integer digits keep every later multiplication far from Int64's limit.
        let trimmed = whole.drop { $0 == "0" }
        guard trimmed.count <= 13 else {
            throw RatingError(.invalidAmount, "'\(text)' is too large")
        }
        var value: Int64 = 0
        for character in trimmed { value = value * 10 + Int64(character.wholeNumberValue!) }
        for index in 0..<decimals {
            let digit = index < fraction.count ? fraction[fraction.index(fraction.startIndex, offsetBy: index)].wholeNumberValue! : 0
            value = value * 10 + Int64(digit)
        }
        return negative ? -value : value
    }

    /// Parses an amount of money into cents ("10.5" → 1050).
    public static func cents(_ text: String, allowNegative: Bool = false) throws(RatingError) -> Int64 {
        try parse(text, decimals: centDecimals, allowNegative: allowNegative)
    }

    /// Parses a price into ten-thousandths ("0.35" → 3500).
    public static func price(_ text: String) throws(RatingError) -> Int64 {
        try parse(text, decimals: priceDecimals)
    }

    /// Prints `value` (of `decimals` decimal places) with at least `minimumDecimals`
    /// decimals, dropping trailing zeros beyond them: 3500 → "0.35", 125 → "0.0125".
    public static func format(_ value: Int64, decimals: Int, minimumDecimals: Int) -> String {
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let magnitude = value.magnitude
        var fraction = String(magnitude % scale)
        fraction = String(repeating: "0", count: decimals - fraction.count) + fraction
        while fraction.count > minimumDecimals, fraction.last == "0" { fraction.removeLast() }
        let sign = value < 0 ? "-" : ""
        return sign + String(magnitude / scale) + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// "12.34" for 1234 cents.
    public static func format(cents: Int64) -> String {
        format(cents, decimals: centDecimals, minimumDecimals: centDecimals)
    }

    /// "0.35" for 3500, "0.0125" for 125: at least two decimals, at most four.
    public static func format(price: Int64) -> String {
        format(price, decimals: priceDecimals, minimumDecimals: centDecimals)
    }
}
