/// Call records as CSV (RFC 4180) for billing and spreadsheets: a header row, one
/// row per CDR, CRLF line ends, times in ISO 8601 UTC, empty fields for absent values.
public func exportCSV(_ cdrs: [CDR]) -> String {
    var text = CDRCSV.header.joined(separator: ",") + "\r\n"
    for cdr in cdrs {
        text += CDRCSV.fields(of: cdr).map(CDRCSV.quoted).joined(separator: ",") + "\r\n"
    }
    return text
}

/// Column layout and formatting of `exportCSV(_:)`.
public enum CDRCSV {
    /// Column names, in order. Changing them breaks the spreadsheets of our users.
    public static let header = [
        "id", "tenant", "line", "direction", "caller", "dialled", "normalized", "class",
        "start", "answer", "end", "duration", "billable_seconds", "disposition", "sip_cause", "reason", "trunk", "cost",
    ]

    /// The unquoted fields of one row.
    public static func fields(of cdr: CDR) -> [String] {
        [
            cdr.id, cdr.tenantID, cdr.line ?? "", cdr.direction.rawValue, cdr.caller, cdr.dialled, cdr.normalized,
            cdr.numberClass?.rawValue ?? "",
            iso8601(millis: cdr.startedAt), cdr.answeredAt.map(iso8601(millis:)) ?? "", iso8601(millis: cdr.endedAt),
            String(cdr.duration), String(cdr.billableSeconds), cdr.disposition.rawValue, String(cdr.sipCause),
            cdr.reason, cdr.trunkID ?? "", cdr.costCents.map(CDRCSV.money(cents:)) ?? "",
        ]
    }

    /// "12.34" for 1234 cents (a dot, so spreadsheets in any locale read a number).
    public static func money(cents: Int64) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        let units = magnitude / 100
        let rest = magnitude % 100
        return "\(sign)\(units).\(rest < 10 ? "0" : "")\(rest)"
    }

    /// RFC 4180 section 2: a field holding a comma, a double quote or a line break
    /// is enclosed in double quotes, and its double quotes are doubled.
    public static func quoted(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) else {
            return field
        }
        var result = "\""
        for character in field.unicodeScalars {
            if character == "\"" { result += "\"\"" } else { result.unicodeScalars.append(character) }
        }
        return result + "\""
    }

    /// "2025-03-01T12:34:56Z" for unix milliseconds (whole seconds, rounded down).
    public static func iso8601(millis: Int64) -> String {
        let seconds = floorDivide(millis, 1000)
        let days = floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))Z"
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`), so the export needs no calendar or time zone database.
    public static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
