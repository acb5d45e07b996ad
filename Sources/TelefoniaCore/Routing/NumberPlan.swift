/// A dialled public number after normalisation: what to send to the trunk and how to rate and permit it.
public struct NormalizedNumber: Sendable, Equatable {
    /// What was dialled with separators removed: digits and an optional leading "+".
    public var dialled: String
    /// E.164 form, "+5511987654321"; for emergency calls the short code itself, "190".
    public var e164: String
    public var numberClass: NumberClass
    /// Brazilian area code (DDD), "11"; nil for international, toll-free and emergency numbers.
    public var areaCode: String?
    /// Country calling code without "+": "55" for Brazilian numbers, otherwise the foreign code ("1", "44").
    public var countryCode: String

    public init(dialled: String, e164: String, numberClass: NumberClass, areaCode: String?, countryCode: String) {
        self.dialled = dialled
        self.e164 = e164
        self.numberClass = numberClass
        self.areaCode = areaCode
        self.countryCode = countryCode
    }
}

/// Why a dialled string is not a routable public number.
public enum NumberError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing but separators (or nothing at all) was dialled.
    case empty
    /// The input (as given) has characters other than digits, a leading "+" and separators.
    case invalidCharacters(String)
    /// Only digits, but no numbering rule matches (too short, too long, bad subscriber number).
    case unknownFormat(String)
    /// A Brazilian area code (DDD) that does not exist: it must be 11–99 without a zero digit.
    case invalidAreaCode(String)

    public var description: String {
        switch self {
        case .empty:
            return "No number was dialled."
        case .invalidCharacters(let input):
            var seen = Set<Character>()
            let bad = input.filter { character in
                !(character.isASCII && character.isNumber) && !NumberPlan.separators.contains(character)
                    && character != "+" && seen.insert(character).inserted
            }
            let list = bad.isEmpty ? "a misplaced +" : bad.map { "'\($0)'" }.joined(separator: ", ")
            return "\"\(input)\" cannot be dialled: it contains \(list). "
                + "Use digits, an optional leading + and spaces, dashes, dots or parentheses as separators."
        case .unknownFormat(let number):
            return "\"\(number)\" is not a number that can be called: dial 8 or 9 digits for a local number, "
                + "0 + area code + number for long distance, 00 + country code + number for international, "
                + "0800 + 7 digits for toll-free, or the full number in +E.164 form."
        case .invalidAreaCode(let area):
            return "\"\(area)\" is not a Brazilian area code (DDD): area codes are two digits from 11 to 99 "
                + "and contain no zero."
        }
    }
}

/// Brazilian numbering plan (Anatel): turns what a user dials into E.164 and a `NumberClass`.
///
/// Internal extensions are not handled here; the router looks the dialled string up
/// among the tenant's lines before it asks the number plan.
public struct NumberPlan: Sendable {
    /// Area code (DDD) of the caller; 8 and 9 digit numbers are local to it.
    public var homeArea: String
    /// Country calling code of the caller without "+".
    public var countryCode: String = "55"

    /// Short codes that always go out as dialled and are never barred (Anatel emergency and utility numbers).
    public static let emergencyNumbers: Set<String> = ["190", "192", "193", "197", "198", "199", "100", "128"]

    /// Characters people put in numbers to make them readable.
    static let separators: Set<Character> = [" ", "\t", "-", ".", "(", ")"]

    /// A plan for callers in `homeArea` ("11" for São Paulo).
    public init(homeArea: String, countryCode: String = "55") {
        self.homeArea = homeArea
        self.countryCode = countryCode
    }

    /// Normalises a dialled string.
    ///
    /// Accepted forms: emergency short codes; `0800` + 7 digits; `00` + country + number;
    /// `+` + country + number; `0` + [2-digit carrier code] + area + number; country code (55)
    /// + area + number; area + number (10 or 11 digits); and 8 or 9 digit local numbers.
    public func normalize(_ dialled: String) throws(NumberError) -> NormalizedNumber {
        let digits = try Self.strip(dialled)

        if Self.emergencyNumbers.contains(digits) {
            return NormalizedNumber(
                dialled: digits, e164: digits, numberClass: .emergency, areaCode: nil, countryCode: countryCode)
        }
        if digits.hasPrefix("+") {
            return try international(String(digits.dropFirst()), dialled: digits)
        }
        if digits.hasPrefix("00") {
            return try international(String(digits.dropFirst(2)), dialled: digits)
        }
        if digits.hasPrefix("0") {
            return try trunkPrefixed(String(digits.dropFirst()), dialled: digits)
        }
        let count = digits.count
        if digits.hasPrefix(countryCode), count == countryCode.count + 10 || count == countryCode.count + 11 {
            return try national(String(digits.dropFirst(countryCode.count)), dialled: digits)
        }
        switch count {
        case 8, 9:
            return try subscriber(digits, area: homeArea, dialled: digits)
        case 10, 11:
            // Area + number without the trunk prefix, as mobile phones and contact lists store it.
            return try national(digits, dialled: digits)
        default:
            throw .unknownFormat(digits)
        }
    }

    // MARK: - Rules

    /// Removes separators; anything but digits and one leading "+" is rejected.
    static func strip(_ input: String) throws(NumberError) -> String {
        var result = ""
        result.reserveCapacity(input.utf8.count)
        for character in input {
            if character.isASCII, character.isNumber {
                result.append(character)
            } else if character == "+", result.isEmpty {
                result.append(character)
            } else if !separators.contains(character) {
                throw .invalidCharacters(input)
            }
        }
        guard !result.isEmpty else { throw .empty }
        return result
    }

    /// Country code + number, from `+…` or `00…`.
    private func international(_ digits: String, dialled: String) throws(NumberError) -> NormalizedNumber {
        guard digits.allSatisfy(\.isASCIIDigit) else { throw .invalidCharacters(dialled) }
        if digits.hasPrefix(countryCode) {
            return try national(String(digits.dropFirst(countryCode.count)), dialled: dialled)
        }
        guard let country = Self.countryCode(of: digits) else { throw .unknownFormat(dialled) }
        // E.164 allows 15 digits in all; no country has subscriber numbers shorter than 4 digits.
        let subscriberLength = digits.count - country.count
        guard digits.count <= 15, subscriberLength >= 4 else { throw .unknownFormat(dialled) }
        return NormalizedNumber(
            dialled: dialled, e164: "+" + digits, numberClass: .international, areaCode: nil, countryCode: country)
    }

    /// After the national trunk prefix 0: area + number, or a 2-digit carrier selection code
    /// (CSP, e.g. 21, 15, 41) + area + number. The carrier is chosen by our trunk, so it is dropped.
    private func trunkPrefixed(_ digits: String, dialled: String) throws(NumberError) -> NormalizedNumber {
        switch digits.count {
        case 10, 11:
            return try national(digits, dialled: dialled)
        case 12, 13:
            return try national(String(digits.dropFirst(2)), dialled: dialled)
        default:
            throw .unknownFormat(dialled)
        }
    }

    /// A national significant number: `800` + 7 digits (toll-free) or area + 8 or 9 digits.
    private func national(_ digits: String, dialled: String) throws(NumberError) -> NormalizedNumber {
        if digits.hasPrefix("800"), digits.count == 10 {
            return NormalizedNumber(
                dialled: dialled, e164: "+" + countryCode + digits, numberClass: .tollFree, areaCode: nil,
                countryCode: countryCode)
        }
        guard digits.count == 10 || digits.count == 11,
              !Self.nonGeographicCodes.contains(where: { digits.hasPrefix($0) })
        else { throw .unknownFormat(dialled) }
        return try subscriber(String(digits.dropFirst(2)), area: String(digits.prefix(2)), dialled: dialled)
    }

    /// Classifies a subscriber number in an area (Anatel: mobiles have 9 digits starting with 9;
    /// fixed lines 8 digits starting with 2–5; 8 digits starting with 6–9 are pre-2016 mobiles).
    private func subscriber(_ number: String, area: String, dialled: String) throws(NumberError) -> NormalizedNumber {
        guard Self.isValidAreaCode(area) else { throw .invalidAreaCode(area) }
        let mobile: Bool
        switch (number.count, number.first) {
        case (9, "9"):
            mobile = true
        case (8, "2"), (8, "3"), (8, "4"), (8, "5"):
            mobile = false
        case (8, "6"), (8, "7"), (8, "8"), (8, "9"):
            mobile = true
        default:
            throw .unknownFormat(dialled)
        }
        let local = area == homeArea
        let numberClass: NumberClass =
            switch (mobile, local) {
            case (true, true): .mobileLocal
            case (true, false): .mobileLongDistance
            case (false, true): .fixedLocal
            case (false, false): .fixedLongDistance
            }
        return NormalizedNumber(
            dialled: dialled, e164: "+" + countryCode + area + number, numberClass: numberClass, areaCode: area,
            countryCode: countryCode)
    }

    /// Whether `area` is a possible DDD: two digits, 11–99, no zero digit.
    public static func isValidAreaCode(_ area: String) -> Bool {
        area.count == 2 && area.allSatisfy { $0.isASCIIDigit && $0 != "0" }
    }

    /// The ITU-T E.164 country code a digit string starts with. Codes are prefix-free: "1" and "7"
    /// are one digit, the two-digit codes are listed, and every other code has three digits.
    static func countryCode(of digits: String) -> String? {
        guard let first = digits.first, first != "0" else { return nil }
        if first == "1" || first == "7" { return String(first) }
        let two = String(digits.prefix(2))
        if twoDigitCountryCodes.contains(two) { return two }
        guard digits.count >= 3 else { return nil }
        return String(digits.prefix(3))
    }

    /// Anatel non-geographic services other than 0800 (shared cost, premium rate): not routed,
    /// and reported as an unknown number rather than as a bad area code "30", "50" or "90".
    private static let nonGeographicCodes = ["300", "303", "500", "900"]

    private static let twoDigitCountryCodes: Set<String> = [
        "20", "27",
        "30", "31", "32", "33", "34", "36", "39",
        "40", "41", "43", "44", "45", "46", "47", "48", "49",
        "51", "52", "53", "54", "55", "56", "57", "58",
        "60", "61", "62", "63", "64", "65", "66",
        "81", "82", "84", "86",
        "90", "91", "92", "93", "94", "95", "98",
    ]
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
