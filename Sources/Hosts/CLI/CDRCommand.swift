import ArgumentParser
import Foundation
import TelefoniaCore

/// `telefonia cdr list`: call detail records.
struct CDRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cdr", abstract: "Read call detail records.", subcommands: [List.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List call records, oldest first.",
            discussion: "Dates are local time (set TZ to change); --csv writes times in UTC."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this tenant's calls.") var tenant: String?
        @Option(help: "Only calls of this extension.") var line: String?
        @Option(help: ArgumentHelp("Calls started at or after YYYY-MM-DD[THH:MM].", valueName: "date")) var from: String?
        @Option(help: ArgumentHelp("Calls started before YYYY-MM-DD[THH:MM]; a bare date includes that day.", valueName: "date"))
        var to: String?
        @Option(help: "ANSWERED, BUSY, \"NO ANSWER\", CANCELLED, FAILED or DENIED.") var disposition: String?
        @Option(help: "Calls whose caller, dialled or normalised number contains this.") var number: String?
        @Option(help: "At most this many records.") var limit: Int?
        @Option(help: "Skip this many records first.") var offset: Int?
        @Flag(help: "Write CSV (RFC 4180, UTF-8) instead of a table.") var csv = false

        func run() throws {
            var filter = CDRFilter(tenantID: tenant, line: line, number: number)
            filter.from = try from.map { try Input.time($0, option: "--from") }
            filter.to = try to.map { try Input.time($0, option: "--to", endOfDay: true) }
            if let start = filter.from, let end = filter.to, start >= end {
                throw CLIError("--from must be before --to")
            }
            filter.disposition = try disposition.map(Input.disposition)
            if let limit, limit < 0 { throw CLIError("--limit must not be negative") }
            if let offset, offset < 0 { throw CLIError("--offset must not be negative") }
            filter.limit = limit
            filter.offset = offset

            let store = try global.openStore()
            let records = try store.cdrs(filter)
            // Records outlive tenants, so only complain about a tenant when it explains an empty answer.
            if let tenant, records.isEmpty, try store.tenant(id: tenant) == nil {
                throw CLIError("unknown tenant \(tenant) and no call records of it; see `telefonia tenant list`")
            }
            if csv {
                FileHandle.standardOutput.write(Data(exportCSV(records).utf8))
                return
            }
            var table = TextTable(
                "START", "TENANT", "LINE", "DIRECTION", "CALLER", "DIALLED", "CLASS", "DISPOSITION", "DURATION", "BILLED",
                "CAUSE", "REASON"
            )
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone.current
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            for cdr in records {
                table.append([
                    formatter.string(from: Date(timeIntervalSince1970: Double(cdr.startedAt) / 1000)),
                    cdr.tenantID, cdr.line ?? "-", cdr.direction.rawValue, cdr.caller, cdr.dialled,
                    cdr.numberClass?.rawValue ?? "-", cdr.disposition.rawValue, Self.clock(cdr.duration),
                    Self.clock(cdr.billableSeconds), String(cdr.sipCause), cdr.reason.isEmpty ? "-" : cdr.reason,
                ])
            }
            table.print()
        }

        /// "0:05", "12:34", "1:02:03".
        static func clock(_ seconds: Int) -> String {
            let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
            if seconds >= 3600 { return "\(seconds / 3600):" + twoDigits(seconds / 60 % 60) + ":" + twoDigits(seconds % 60) }
            return "\(seconds / 60):" + twoDigits(seconds % 60)
        }
    }
}
