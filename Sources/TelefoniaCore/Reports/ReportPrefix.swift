/// The prefix the by-prefix report (R7) groups a destination under: country code and,
/// for Brazil, the area code — "5531" for any number in Belo Horizonte's area.
///
/// - Brazilian numbers: "55" + DDD ("5531"); toll-free: "55800".
/// - Foreign numbers: the E.164 country code ("1", "44", "351").
/// - Emergency and utility short codes: the code itself ("190").
/// - Anything else (a number that could not be normalised): "".
///
/// `SQLStore` computes the same prefix in SQL; tests check both agree.
public enum ReportPrefix {
    /// The prefix of a CDR's normalised number and class.
    public static func of(normalized: String, numberClass: NumberClass?) -> String {
        if numberClass == .emergency { return normalized }
        guard normalized.first == "+" else { return "" }
        let digits = normalized.dropFirst()
        if digits.hasPrefix("55") { return String(digits.prefix(numberClass == .tollFree ? 5 : 4)) }
        if digits.first == "1" || digits.first == "7" { return String(digits.prefix(1)) }
        if twoDigitCountryCodes.contains(String(digits.prefix(2))) { return String(digits.prefix(2)) }
        return String(digits.prefix(3))
    }

    /// The region a Brazilian prefix ("5531") stands for.
    public static func region(of prefix: String) -> Region? {
        guard prefix.count == 4, prefix.hasPrefix("55") else { return nil }
        return Regions.region(forAreaCode: String(prefix.dropFirst(2)))
    }

    /// The two-digit E.164 country codes, read from the number plan so the list lives in one place.
    public static let twoDigitCountryCodes: Set<String> = {
        var codes = Set<String>()
        for first in 2...9 {
            for second in 0...9 {
                let candidate = "\(first)\(second)"
                if NumberPlan.countryCode(of: candidate + "00000") == candidate { codes.insert(candidate) }
            }
        }
        return codes
    }()
}
