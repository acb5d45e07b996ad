import ArgumentParser
import Foundation
import TelefoniaCore
import TelefoniaStorage

/// `telefonia report …`: the subscriber's reports (manual section 10) and dashboard (section 3).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Call reports of a tenant: placed, received, credit, by line, by prefix, and the dashboard.",
        discussion: """
            Times are local (set TZ to change). As text a report shows one page (the tenant's page size, \
            50 unless set with `telefonia report page-size`); --csv writes the whole report unless --page is given.
            """,
        subcommands: [Placed.self, Received.self, Credit.self, Lines.self, Prefix.self, Dashboard.self, PageSize.self]
    )

    /// R1: outbound and internal calls placed by the tenant's lines.
    struct Placed: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Calls placed by the tenant's lines (outbound and internal).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ReportOptions
        @Option(help: "Only outbound or only internal calls.") var direction: String?

        func run() throws {
            var filter = try options.filter()
            if let direction {
                switch direction.lowercased() {
                case "outbound": filter.directions = [.outbound]
                case "internal": filter.directions = [.internalCall]
                case "inbound": throw CLIError("placed calls are outbound or internal; see `telefonia report received` for inbound calls")
                default: throw CLIError("unknown --direction '\(direction)'; use outbound or internal")
                }
            }
            let (store, reports) = try options.open(global)
            let page = try reports.placedCalls(filter, page: try options.requestedPage(), pageSize: options.pageSize)
            try options.checkTenant(store, emptyReport: page.total == 0)
            if options.csv {
                ReportOutput.writeCSV(
                    header: ReportCSV.placedHeader,
                    rows: page.rows.lazy.map { ReportCSV.placedFields($0, timeZone: TimeZone.current) })
                return
            }
            var table = TextTable("START", "LINE", "DESTINATION", "CLASS", "REGION", "TALK", "DISPOSITION", "COST")
            for row in page.rows {
                let cdr = row.cdr
                table.append([
                    ReportOutput.time(cdr.startedAt), cdr.line ?? "-", cdr.normalized, cdr.numberClass?.rawValue ?? "-",
                    row.region?.label ?? "-", ReportOutput.clock(cdr.billableSeconds), cdr.disposition.rawValue,
                    cdr.costCents.map(CDRCSV.money(cents:)) ?? "-",
                ])
            }
            ReportOutput.print(table, page, noun: "calls")
        }
    }

    /// R2: calls received on the tenant's DIDs.
    struct Received: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Calls received on the tenant's numbers (DIDs).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ReportOptions

        func run() throws {
            let (store, reports) = try options.open(global)
            let page = try reports.receivedCalls(try options.filter(), page: try options.requestedPage(), pageSize: options.pageSize)
            try options.checkTenant(store, emptyReport: page.total == 0)
            if options.csv {
                ReportOutput.writeCSV(
                    header: ReportCSV.receivedHeader,
                    rows: page.rows.lazy.map { ReportCSV.receivedFields($0, timeZone: TimeZone.current) })
                return
            }
            var table = TextTable("START", "CALLER", "REGION", "DID", "LINE", "TALK", "DISPOSITION")
            for row in page.rows {
                let cdr = row.cdr
                table.append([
                    ReportOutput.time(cdr.startedAt), cdr.caller, row.region?.label ?? "-", cdr.normalized, cdr.line ?? "-",
                    ReportOutput.clock(cdr.billableSeconds), cdr.disposition.rawValue,
                ])
            }
            ReportOutput.print(table, page, noun: "calls")
        }
    }

    /// R5: the prepaid credit log.
    struct Credit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Movements of the prepaid balance: call debits, recharges, adjustments.",
            discussion: "--number searches the movement's note; --line, --class and --disposition do not apply."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ReportOptions

        func run() throws {
            let (store, reports) = try options.open(global)
            _ = try TenantCommand.existing(options.tenant, store: store)
            let page = try reports.creditMovements(try options.filter(), page: try options.requestedPage(), pageSize: options.pageSize)
            if options.csv {
                ReportOutput.writeCSV(
                    header: ReportCSV.creditHeader,
                    rows: page.rows.lazy.map { ReportCSV.creditFields($0, timeZone: TimeZone.current) })
                return
            }
            var table = TextTable("TIME", "KIND", "AMOUNT", "BALANCE", "CALL", "NOTE")
            for movement in page.rows {
                table.append([
                    ReportOutput.time(movement.at), movement.kind.rawValue, CDRCSV.money(cents: movement.amountCents),
                    CDRCSV.money(cents: movement.balanceAfterCents), movement.cdrID ?? "-", movement.note.isEmpty ? "-" : movement.note,
                ])
            }
            ReportOutput.print(table, page, noun: "movements")
        }
    }

    /// R6: placed calls grouped by line.
    struct Lines: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Calls placed per line: count, talk time, fixed / mobile / international, cost."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ReportOptions

        func run() throws {
            let (store, reports) = try options.open(global)
            let page = try reports.lines(try options.filter(), page: try options.requestedPage(), pageSize: options.pageSize)
            try options.checkTenant(store, emptyReport: page.total == 0)
            if options.csv {
                ReportOutput.writeCSV(header: ReportCSV.linesHeader, rows: page.rows.lazy.map(ReportCSV.lineFields))
                return
            }
            var table = TextTable("LINE", "CALLS", "TALK", "FIXED", "MOBILE", "INTL", "COST")
            let cells = { (name: String, row: LineUsage) in
                [name, String(row.calls), ReportOutput.clock(row.talkSeconds), String(row.fixed), String(row.mobile),
                 String(row.international), CDRCSV.money(cents: row.costCents)]
            }
            for row in page.rows { table.append(cells(row.line ?? "-", row)) }
            if let summary = page.summary { table.append(cells("TOTAL", summary)) }
            ReportOutput.print(table, page, noun: "lines")
        }
    }

    /// R7: outbound calls grouped by destination prefix.
    struct Prefix: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Outbound calls per destination prefix (5531 = area 31): answered, failed, ACD, ASR.",
            discussion: """
                FAILED counts every unanswered call; CONGESTION is an unreachable destination (FAILED with SIP \
                404, 410, 480, 484, 502, 503, 504 or 604); NO ANSWER includes the carrier's 408/480 after ringing.
                """
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ReportOptions

        func run() throws {
            let (store, reports) = try options.open(global)
            let page = try reports.prefixes(try options.filter(), page: try options.requestedPage(), pageSize: options.pageSize)
            try options.checkTenant(store, emptyReport: page.total == 0)
            if options.csv {
                ReportOutput.writeCSV(header: ReportCSV.prefixHeader, rows: page.rows.lazy.map(ReportCSV.prefixFields))
                return
            }
            var table = TextTable(
                "PREFIX", "REGION", "TOTAL", "ANSWERED", "FAILED", "TALK", "ACD", "BUSY", "CANCELLED", "NO ANSWER",
                "CONGESTION", "ASR"
            )
            let cells = { (name: String, region: String, row: PrefixUsage) in
                [name, region, String(row.total), String(row.answered), String(row.failed), ReportOutput.clock(row.talkSeconds),
                 ReportOutput.clock(row.acdSeconds), String(row.busy), String(row.cancelled), String(row.noAnswer),
                 String(row.congestion), row.asrText + "%"]
            }
            for row in page.rows {
                table.append(cells(row.prefix.isEmpty ? "?" : row.prefix, row.region?.label ?? "-", row))
            }
            if let summary = page.summary { table.append(cells("TOTAL", "", summary)) }
            ReportOutput.print(table, page, noun: "prefixes")
        }
    }

    /// P2: the home page figures.
    struct Dashboard: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Money owed, prepaid balance and today's placed calls per hour (mobile / fixed)."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "The tenant.") var tenant: String
        @Option(help: ArgumentHelp("Show the dashboard as at YYYY-MM-DDTHH:MM local time (default: now).", valueName: "time"))
        var at: String?
        @Flag(help: "Write the hourly calls as CSV.") var csv = false

        func run() throws {
            let now = try at.map { try Input.time($0, option: "--at") } ?? Int64(Date().timeIntervalSince1970 * 1000)
            let store = try ReportOptions.store(global)
            _ = try TenantCommand.existing(tenant, store: store)
            let dashboard = try Reports(store: store, rating: store, timeZone: TimeZone.current).dashboard(tenantID: tenant, now: now)
            if csv {
                ReportOutput.writeCSV(header: ReportCSV.hourlyHeader, rows: dashboard.hours.map(ReportCSV.hourlyFields))
                return
            }
            print("tenant \(tenant), \(ReportOutput.time(now).prefix(10))")
            print("overdue: \(CDRCSV.money(cents: dashboard.overdueCents)) (unpaid in all: \(CDRCSV.money(cents: dashboard.unpaidCents)))")
            print("balance: \(CDRCSV.money(cents: dashboard.balanceCents))")
            var table = TextTable("HOUR", "MOBILE", "FIXED", "CHART")
            for hour in dashboard.hours {
                let chart = String(repeating: "m", count: min(hour.mobile, 40)) + String(repeating: "f", count: min(hour.fixed, 40))
                table.append([ReportCSV.hourlyFields(hour)[0], String(hour.mobile), String(hour.fixed), chart])
            }
            table.print()
        }
    }

    /// P6: rows per report page.
    struct PageSize: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "page-size", abstract: "Show or set how many rows a report page of the tenant holds (default 50)."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "The tenant.") var tenant: String
        @Argument(help: "New page size, 1 to 1000.") var rows: Int?

        func run() throws {
            let store = try ReportOptions.store(global)
            _ = try TenantCommand.existing(tenant, store: store)
            guard let rows else {
                print("tenant \(tenant): \(try store.reportPageSize(tenantID: tenant)) rows per report page")
                return
            }
            guard ReportSettings.pageSizes.contains(rows) else {
                throw CLIError("the page size must be between \(ReportSettings.pageSizes.lowerBound) and \(ReportSettings.pageSizes.upperBound), not \(rows)")
            }
            try store.setReportPageSize(rows, tenantID: tenant)
            print("report pages of tenant \(tenant) now hold \(rows) rows")
        }
    }
}
