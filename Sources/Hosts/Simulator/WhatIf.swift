import Foundation
import TelefoniaCore
import TelefoniaStorage
import TelefoniaTesting

/// `telefonia-sim --tenant ID --db FILE …`: the what-if (B2) from the command line.
struct WhatIfArguments {
    var tenant: String?
    var db: String?
    var day: LocalDate?
    var menu: String?
    var calls = 10_000

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    mutating func set(_ option: String, _ value: String) throws {
        switch option {
        case "--tenant": tenant = value
        case "--db": db = value
        case "--menu": menu = value
        case "--day":
            guard let parsed = LocalDate(parsing: value) else { throw Problem(description: "--day '\(value)' must be YYYY-MM-DD") }
            day = parsed
        default:
            guard let count = Int(value), (1...10_000_000).contains(count) else {
                throw Problem(description: "--calls must be a number of calls from 1 to 10000000")
            }
            calls = count
        }
    }

    /// Runs the day and renders the result.
    func run(seed: UInt64) async throws -> String {
        guard let tenant else { throw Problem(description: "--tenant is needed") }
        guard let db else { throw Problem(description: "--db FILE is needed (the server's SQLite file)") }
        guard FileManager.default.fileExists(atPath: db) else { throw Problem(description: "no database at \(db)") }
        let store = try SQLStore(path: db)
        guard try store.tenant(id: tenant) != nil else { throw Problem(description: "unknown tenant \(tenant)") }
        let start = try menu ?? store.dids(tenantID: tenant).compactMap { did -> String? in
            if case .ivr(let number)? = did.route { return number } else { return nil }
        }.first ?? store.ivrMenus(tenantID: tenant).first?.number
        guard let start else { throw Problem(description: "tenant \(tenant) has no IVR menu") }
        let day = self.day ?? Self.today()
        var callers = IVRWhatIf.Callers()
        callers.calls = calls
        let began = ContinuousClock.now
        let outcome = try await IVRWhatIf(tenantID: tenant, directory: StoreIVRDirectory(store: store))
            .run(start: start, day: day, callers: callers, seed: seed)
        let elapsed = ContinuousClock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var lines = ["what-if: tenant \(tenant), IVR \(start), \(day), \(outcome.calls) calls, seed \(seed)", ""]
        lines.append("where the calls ended")
        for (exit, count) in outcome.exits.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
            lines.append("  " + exit.padding(toLength: 24, withPad: " ", startingAt: 0)
                + String(count).leftPadded(7) + "  " + String(format: "%5.1f %%", 100 * Double(count) / Double(max(outcome.calls, 1))))
        }
        lines.append("  (met a menu after hours: \(outcome.afterHours))")
        lines.append("")
        lines.append("per menu: key or event → calls (T = no key, I = no such option)")
        for menu in outcome.choices.keys.sorted(by: { ($0.count, $0) < ($1.count, $1) }) {
            let uses = outcome.choices[menu]!.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            lines.append("  IVR \(menu): " + uses.joined(separator: " "))
        }
        lines.append("")
        lines.append(String(format: "simulated in %.2f s", seconds))
        return lines.joined(separator: "\n")
    }

    static func today() -> LocalDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: TimeProfile.defaultTimeZone)!
        let parts = calendar.dateComponents([.year, .month, .day], from: Date())
        return LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
