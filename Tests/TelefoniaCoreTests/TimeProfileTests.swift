import Foundation
import Testing
import TelefoniaCore

/// Unix ms of a UTC wall-clock time.
func utcMillis(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int) -> Int64 {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
    return Int64(date.timeIntervalSince1970 * 1000)
}

@Suite struct TimeProfileTests {
    /// Monday to Friday 08:00–18:00, Friday also 22:00 to midnight, in São Paulo (UTC−3).
    static let office = TimeProfile(
        tenantID: "acme", name: "comercial",
        week: [.mon: [OpenInterval(parsing: "08:00-18:00")!], .tue: [OpenInterval(parsing: "08:00-18:00")!],
               .wed: [OpenInterval(parsing: "08:00-18:00")!], .thu: [OpenInterval(parsing: "08:00-18:00")!],
               .fri: OpenInterval.parseDay("08:00-18:00,22:00-00:00")!],
        holidays: [Holiday(parsing: "2026-12-25")!, Holiday(parsing: "2026-12-24=08:00-12:00")!,
                   Holiday(parsing: "2026-12-30..2026-12-31")!])

    /// Open from 08:00 (inclusive) to 18:00 (exclusive) local time on a weekday.
    @Test func intervalEdgesInLocalTime() {
        let p = Self.office
        // Monday 2026-12-07: 08:00 local is 11:00 UTC.
        #expect(!p.isOpen(atMillis: utcMillis(2026, 12, 7, 10, 59)))
        #expect(p.isOpen(atMillis: utcMillis(2026, 12, 7, 11, 0)))
        #expect(p.isOpen(atMillis: utcMillis(2026, 12, 7, 20, 59)))
        #expect(!p.isOpen(atMillis: utcMillis(2026, 12, 7, 21, 0)))
        // Saturday and Sunday have no interval: closed all day.
        #expect(!p.isOpen(atMillis: utcMillis(2026, 12, 5, 15, 0)))
        #expect(!p.isOpen(atMillis: utcMillis(2026, 12, 6, 15, 0)))
    }

    /// An interval ending at 00:00 runs to midnight; the next day starts closed.
    @Test func midnight() {
        let p = Self.office
        // Friday 2026-12-11 23:59 local = Saturday 02:59 UTC: open; Saturday 00:00 local: closed.
        #expect(p.isOpen(atMillis: utcMillis(2026, 12, 12, 2, 59)))
        #expect(!p.isOpen(atMillis: utcMillis(2026, 12, 12, 3, 0)))
        #expect(OpenInterval(parsing: "22:00-00:00") == OpenInterval(start: 22 * 60, end: 1440))
        #expect(OpenInterval(parsing: "22:00-24:00") == OpenInterval(start: 22 * 60, end: 1440))
    }

    /// The manual's "00:00" closes a day.
    @Test func zeroZeroMeansClosed() {
        #expect(OpenInterval.parseDay("00:00") == [])
        #expect(OpenInterval.parseDay("00:00-00:00") == [])
        #expect(OpenInterval.parseDay("closed") == [])
        #expect(OpenInterval.parseDay("8:00-18:00") == nil, "hours are two digits")
        #expect(OpenInterval.parseDay("08:00-25:00") == nil)
        let closedMonday = TimeProfile(tenantID: "acme", name: "x", week: [.mon: OpenInterval.parseDay("00:00")!])
        #expect(!closedMonday.isOpen(atMillis: utcMillis(2026, 12, 7, 15, 0)))
    }

    /// Holidays replace the weekday's hours: closed, shorter hours, or a range of days.
    @Test func holidays() {
        let p = Self.office
        // Friday 2026-12-25: closed at 10:00 local.
        #expect(!p.isOpen(atMillis: utcMillis(2026, 12, 25, 13, 0)))
        // Thursday 2026-12-24: open 08:00–12:00 only.
        #expect(p.isOpen(atMillis: utcMillis(2026, 12, 24, 14, 0)))
        #expect(!p.isOpen(atMillis: utcMillis(2026, 12, 24, 16, 0)))
        // 2026-12-30 and 31 closed; 2026-12-29 (Tuesday) open.
        #expect(!p.isOpen(atMillis: utcMillis(2026, 12, 30, 14, 0)))
        #expect(!p.isOpen(atMillis: utcMillis(2026, 12, 31, 14, 0)))
        #expect(p.isOpen(atMillis: utcMillis(2026, 12, 29, 14, 0)))
    }

    /// The zone's rules, not a fixed offset: São Paulo kept summer time (UTC−2) until
    /// 2019 and has none since; New York moves its clocks.
    @Test func timeZoneRules() {
        let p = Self.office
        // Monday 2018-11-05 10:30 UTC was 08:30 local under summer time (open); 2026 has none.
        #expect(p.isOpen(atMillis: utcMillis(2018, 11, 5, 10, 30)))
        #expect(!p.isOpen(atMillis: utcMillis(2026, 11, 9, 10, 30)), "07:30 local in 2026")
        var ny = p
        ny.timeZone = "America/New_York"
        // Monday 2026-07-06 12:30 UTC = 08:30 EDT (open); Monday 2026-12-07 12:30 UTC = 07:30 EST (closed).
        #expect(ny.isOpen(atMillis: utcMillis(2026, 7, 6, 12, 30)))
        #expect(!ny.isOpen(atMillis: utcMillis(2026, 12, 7, 12, 30)))
    }

    /// What a profile may not say: intervals backwards or overlapping, holidays
    /// overlapping or backwards, an unknown zone, a bad name.
    @Test func problems() {
        var p = Self.office
        #expect(p.problem() == nil)
        p.week[.sat] = [OpenInterval(parsing: "18:00-08:00")!]
        #expect(p.problem()?.contains("ends before it starts") == true)
        p.week[.sat] = OpenInterval.parseDay("08:00-12:00,11:00-13:00")
        #expect(p.problem()?.contains("overlap") == true)
        p = Self.office
        p.holidays.append(Holiday(parsing: "2026-12-31..2027-01-01")!)
        #expect(p.problem()?.contains("overlap") == true)
        p = Self.office
        p.holidays = [Holiday(parsing: "2027-01-02..2027-01-01")!]
        #expect(p.problem()?.contains("ends before it starts") == true)
        p = Self.office
        p.timeZone = "Mars/Olympus"
        #expect(p.problem()?.contains("unknown time zone") == true)
        p = Self.office
        p.name = "../x"
        #expect(p.problem() != nil)
        #expect(Holiday(parsing: "2026-02-30") == nil, "not a date")
        #expect(Holiday(parsing: "2028-02-29") != nil, "a leap day")
    }

    /// A profile survives JSON (how the SQLite store keeps it) unchanged.
    @Test func codableRoundTrip() throws {
        let data = try JSONEncoder().encode(Self.office)
        #expect(String(decoding: data, as: UTF8.self).contains("\"22:00-24:00\""))
        #expect(try JSONDecoder().decode(TimeProfile.self, from: data) == Self.office)
    }
}
