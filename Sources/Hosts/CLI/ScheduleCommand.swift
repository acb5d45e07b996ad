import ArgumentParser
import Foundation
import Logging
import TelefoniaCore
import TelefoniaStorage

/// `telefonia schedule set|list|show|check|remove`: time profiles (P7).
struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Manage time profiles: when IVRs (and later lines and campaigns) are open.",
        discussion: """
            A day's hours are intervals like 08:00-12:00,13:00-18:00; a day not given, or given as \
            00:00 or closed, is closed. An interval ending at 00:00 runs to midnight. Holidays replace \
            the weekday's hours: 2026-12-25 (closed), 2026-12-24=08:00-12:00, 2026-12-30..2026-12-31.
            """,
        subcommands: [Set.self, List.self, Show.self, Check.self, Remove.self]
    )

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a time profile, or replace it whole.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Profile name (letters, digits, '-', '_', '.').") var name: String
        @Option(help: "Hours Monday to Friday (each day's own option wins).") var weekdays: String?
        @Option(help: "Hours on Mondays.") var mon: String?
        @Option(help: "Hours on Tuesdays.") var tue: String?
        @Option(help: "Hours on Wednesdays.") var wed: String?
        @Option(help: "Hours on Thursdays.") var thu: String?
        @Option(help: "Hours on Fridays.") var fri: String?
        @Option(help: "Hours on Saturdays.") var sat: String?
        @Option(help: "Hours on Sundays.") var sun: String?
        @Option(name: .customLong("holiday"), help: "A holiday: DATE, DATE=HOURS, FIRST..LAST or FIRST..LAST=HOURS (repeatable).")
        var holidays: [String] = []
        @Option(name: .customLong("tz"), help: "IANA time zone the hours are in.") var timeZone = TimeProfile.defaultTimeZone

        func run() throws {
            let store = try global.openCallFlowStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            var week: [Weekday: [OpenInterval]] = [:]
            func hours(_ text: String, _ option: String) throws -> [OpenInterval] {
                guard let intervals = OpenInterval.parseDay(text) else {
                    throw CLIError("--\(option) '\(text)' must be intervals like 08:00-12:00,13:00-18:00, or closed")
                }
                return intervals
            }
            if let weekdays {
                let intervals = try hours(weekdays, "weekdays")
                for day in [Weekday.mon, .tue, .wed, .thu, .fri] { week[day] = intervals }
            }
            for (day, text) in [(Weekday.mon, mon), (.tue, tue), (.wed, wed), (.thu, thu), (.fri, fri), (.sat, sat), (.sun, sun)] {
                if let text { week[day] = try hours(text, day.rawValue) }
            }
            let parsed = try holidays.map { text in
                guard let holiday = Holiday(parsing: text) else {
                    throw CLIError("--holiday '\(text)' must be DATE, DATE=HOURS, FIRST..LAST or FIRST..LAST=HOURS with dates as 2026-12-25")
                }
                return holiday
            }
            let profile = TimeProfile(tenantID: owner.id, name: name, timeZone: timeZone, week: week, holidays: parsed)
            if let problem = profile.problem() { throw CLIError(problem) }
            let existed = try store.timeProfile(tenantID: owner.id, name: name) != nil
            try store.save(profile)
            print("\(existed ? "replaced" : "added") time profile \(name) of tenant \(owner.id)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's time profiles.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String

        func run() throws {
            let store = try global.openCallFlowStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            var table = TextTable("NAME", "ZONE", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN", "HOLIDAYS")
            for profile in try store.timeProfiles(tenantID: owner.id) {
                table.append([profile.name, profile.timeZone] + Weekday.allCases.map { ScheduleCommand.hours(profile.week[$0]) }
                    + [String(profile.holidays.count)])
            }
            table.print()
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a time profile day by day, with its holidays.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Profile name.") var name: String

        func run() throws {
            let profile = try ScheduleCommand.existing(tenant, name, global: global)
            print("time profile \(profile.name) of tenant \(profile.tenantID), zone \(profile.timeZone)")
            for day in Weekday.allCases { print("  \(day.rawValue)  \(ScheduleCommand.hours(profile.week[day]))") }
            for holiday in profile.holidays.sorted(by: { $0.first < $1.first }) {
                print("  holiday \(holiday.first == holiday.last ? "\(holiday.first)" : "\(holiday.first)..\(holiday.last)")  \(ScheduleCommand.hours(holiday.open))")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether a profile is open at a moment (now by default).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Profile name.") var name: String
        @Option(help: "Local time in the profile's zone, \"YYYY-MM-DD HH:MM\".") var at: String?

        func run() throws {
            let profile = try ScheduleCommand.existing(tenant, name, global: global)
            var millis = SystemWallClock().nowMillis()
            if let at {
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = TimeZone(identifier: profile.timeZone)
                formatter.dateFormat = "yyyy-MM-dd HH:mm"
                guard let date = formatter.date(from: at) else { throw CLIError("--at '\(at)' must be \"YYYY-MM-DD HH:MM\"") }
                millis = Int64(date.timeIntervalSince1970 * 1000)
            }
            print(profile.isOpen(atMillis: millis) ? "open" : "closed")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a time profile no IVR uses.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Profile name.") var name: String

        func run() throws {
            let profile = try ScheduleCommand.existing(tenant, name, global: global)
            try global.openCallFlowStore().removeTimeProfile(tenantID: profile.tenantID, name: name)
            print("removed time profile \(name) of tenant \(profile.tenantID)")
        }
    }

    /// A day's hours as the CLI writes them.
    static func hours(_ intervals: [OpenInterval]?) -> String {
        let intervals = intervals ?? []
        return intervals.isEmpty ? "closed" : intervals.map(\.description).joined(separator: ",")
    }

    static func existing(_ tenant: String, _ name: String, global: GlobalOptions) throws -> TimeProfile {
        let store = try global.openCallFlowStore()
        let owner = try TenantCommand.existing(tenant, store: store)
        guard let profile = try store.timeProfile(tenantID: owner.id, name: name) else {
            throw CLIError("tenant \(owner.id) has no time profile \(name); see `telefonia schedule list \(owner.id)`")
        }
        return profile
    }
}

extension GlobalOptions {
    /// Opens the database as a store of configuration and call flows.
    func openCallFlowStore() throws -> any Store & CallFlowStore {
        try SQLStore(url: databasePath, logger: Logger(label: "telefonia.cli"))
    }
}
