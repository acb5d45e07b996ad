import Foundation

/// A time profile (P7, "perfil de horário"): when a tenant's service is open, per
/// weekday, with holidays that close it or give it other hours, in a time zone. IVRs
/// (and later lines and campaigns) point to one by name; with none they are always open.
///
/// The manual writes a closed day as `00:00`; here a day with no interval is closed, and
/// `00:00-00:00` (or `closed`) is accepted for it. An interval ending at `00:00` or
/// `24:00` runs to midnight; one that ends before it starts is refused (write
/// `22:00-24:00` and the next day's `00:00-06:00`).
public struct TimeProfile: Sendable, Equatable, Codable {
    public var tenantID: String
    /// Unique per tenant; see `isValidName`.
    public var name: String
    /// IANA zone the intervals are read in ("America/Sao_Paulo").
    public var timeZone: String
    /// Open intervals per weekday; a day missing or empty is closed.
    public var week: [Weekday: [OpenInterval]]
    /// Dates (or date ranges) with hours of their own; empty hours = closed.
    public var holidays: [Holiday]

    public static let defaultTimeZone = "America/Sao_Paulo"

    public init(tenantID: String, name: String, timeZone: String = TimeProfile.defaultTimeZone,
                week: [Weekday: [OpenInterval]] = [:], holidays: [Holiday] = []) {
        self.tenantID = tenantID
        self.name = name
        self.timeZone = timeZone
        self.week = week
        self.holidays = holidays
    }

    /// 1 to 64 letters, digits, "-", "_" and ".", not starting with "." or "-".
    public static func isValidName(_ name: String) -> Bool { AudioFile.isValidName(name) }

    /// Why the profile cannot be saved, or nil: a bad name or zone, an interval that
    /// ends before it starts, overlapping intervals in a day, overlapping holidays.
    public func problem() -> String? {
        guard Self.isValidName(name) else { return "time profile name '\(name)' must be \(Tenant.idRule)" }
        guard TimeZone(identifier: timeZone) != nil else { return "unknown time zone '\(timeZone)'" }
        for day in Weekday.allCases {
            if let problem = OpenInterval.problem(in: week[day] ?? []) { return "\(day.rawValue): \(problem)" }
        }
        for holiday in holidays {
            guard holiday.first <= holiday.last else { return "holiday \(holiday) ends before it starts" }
            if let problem = OpenInterval.problem(in: holiday.open) { return "holiday \(holiday.first): \(problem)" }
        }
        let sorted = holidays.sorted { $0.first < $1.first }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.first <= a.last {
            return "holidays \(a) and \(b) overlap"
        }
        return nil
    }

    /// Whether the profile is open at `millis` (unix ms), read in its time zone.
    public func isOpen(atMillis millis: Int64) -> Bool {
        let local = LocalTime(millis: millis, timeZone: timeZone)
        let intervals = holidays.first { $0.contains(local.date) }?.open ?? week[local.weekday] ?? []
        return intervals.contains { $0.contains(minute: local.minuteOfDay) }
    }
}

/// Days of the week, as the CLI and the stored JSON name them.
public enum Weekday: String, Sendable, CaseIterable, Codable, Comparable, CodingKeyRepresentable {
    case mon, tue, wed, thu, fri, sat, sun

    /// From Foundation's weekday number (1 = Sunday … 7 = Saturday).
    init(gregorian: Int) {
        self = [.sun, .mon, .tue, .wed, .thu, .fri, .sat][(gregorian - 1 + 7) % 7]
    }

    public static func < (a: Weekday, b: Weekday) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Minutes `start..<end` of a day, written `08:00-18:00`.
public struct OpenInterval: Sendable, Equatable, TextCodable {
    /// Minutes from midnight, 0…1439.
    public var start: Int
    /// Minutes from midnight, 1…1440 (1440 = midnight at the end of the day).
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// Parses `HH:MM-HH:MM`; nil when it is not that shape. An end of `00:00` after a
    /// later start means midnight. Order is checked by `problem(in:)`.
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Self.minutes(parts[0]), var end = Self.minutes(parts[1]) else { return nil }
        if end == 0, start > 0 { end = 1440 }
        self.init(start: start, end: end)
    }

    /// `HH:MM` (00:00…24:00) → minutes.
    static func minutes(_ text: Substring) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let hours = Int(parts[0]), let minutes = Int(parts[1]),
              (0...24).contains(hours), (0...59).contains(minutes), hours < 24 || minutes == 0 else { return nil }
        return hours * 60 + minutes
    }

    func contains(minute: Int) -> Bool { start <= minute && minute < end }

    public var description: String {
        func clock(_ m: Int) -> String {
            let h = m / 60, mm = m % 60
            return (h < 10 ? "0" : "") + String(h) + ":" + (mm < 10 ? "0" : "") + String(mm)
        }
        return clock(start) + "-" + clock(end)
    }

    /// A day's intervals: each must end after it starts, none may overlap another.
    static func problem(in intervals: [OpenInterval]) -> String? {
        for interval in intervals where !(0..<1440).contains(interval.start) || interval.end <= interval.start || interval.end > 1440 {
            return "interval \(interval) ends before it starts"
        }
        let sorted = intervals.sorted { $0.start < $1.start }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.start < a.end {
            return "intervals \(a) and \(b) overlap"
        }
        return nil
    }

    /// Parses a day's hours as the CLI takes them: `08:00-12:00,13:00-18:00`, or
    /// `closed` / `00:00` / `00:00-00:00` for a closed day; nil when malformed.
    public static func parseDay(_ text: String) -> [OpenInterval]? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if ["closed", "00:00", "00:00-00:00", ""].contains(trimmed) { return [] }
        var intervals: [OpenInterval] = []
        for part in trimmed.split(separator: ",") {
            guard let interval = OpenInterval(parsing: part.trimmingCharacters(in: .whitespaces)) else { return nil }
            intervals.append(interval)
        }
        return intervals
    }

}

/// A calendar date, `YYYY-MM-DD`.
public struct LocalDate: Sendable, Hashable, Comparable, TextCodable {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` (a real date of the Gregorian calendar).
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...Self.days(inMonth: month, year: year)).contains(day) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public var description: String {
        func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

}

/// A holiday: one date or a range of dates (inclusive) with its own hours (none = closed).
public struct Holiday: Sendable, Equatable, Codable, CustomStringConvertible {
    public var first: LocalDate
    public var last: LocalDate
    public var open: [OpenInterval]

    public init(first: LocalDate, last: LocalDate? = nil, open: [OpenInterval] = []) {
        self.first = first
        self.last = last ?? first
        self.open = open
    }

    /// Parses the CLI form: `2026-12-25` (closed), `2026-12-24=08:00-12:00`,
    /// `2026-12-24..2026-12-31` (closed), `2026-12-26..2026-12-30=09:00-17:00`.
    public init?(parsing text: String) {
        let halves = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let dates = halves[0].components(separatedBy: "..")
        guard (1...2).contains(dates.count), let first = LocalDate(parsing: dates[0]) else { return nil }
        var last = first
        if dates.count == 2 {
            guard let end = LocalDate(parsing: dates[1]) else { return nil }
            last = end
        }
        var open: [OpenInterval] = []
        if halves.count == 2 {
            guard let hours = OpenInterval.parseDay(String(halves[1])) else { return nil }
            open = hours
        }
        self.init(first: first, last: last, open: open)
    }

    func contains(_ date: LocalDate) -> Bool { first <= date && date <= last }

    public var description: String {
        (first == last ? "\(first)" : "\(first)..\(last)")
            + (open.isEmpty ? "" : "=" + open.map(\.description).joined(separator: ","))
    }
}

/// A moment read on a zone's wall clock.
struct LocalTime {
    var date: LocalDate
    var weekday: Weekday
    var minuteOfDay: Int

    init(millis: Int64, timeZone identifier: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: -3 * 3600)!
        let moment = Date(timeIntervalSince1970: Double(millis) / 1000)
        let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: moment)
        date = LocalDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
        weekday = Weekday(gregorian: parts.weekday ?? 1)
        minuteOfDay = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }
}
