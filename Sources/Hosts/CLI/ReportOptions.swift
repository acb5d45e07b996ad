import ArgumentParser
import Foundation
import Logging
import TelefoniaCore
import TelefoniaStorage

/// Options the `telefonia report` commands share: which tenant, which calls, which page.
struct ReportOptions: ParsableArguments {
    @Option(help: "The tenant whose report this is.") var tenant: String
    @Option(help: ArgumentHelp("Calls started at or after YYYY-MM-DD[THH:MM] (local time).", valueName: "date"))
    var from: String?
    @Option(help: ArgumentHelp("Calls started before YYYY-MM-DD[THH:MM]; a bare date includes that day.", valueName: "date"))
    var to: String?
    @Option(help: "Only calls of this line (extension).") var line: String?
    @Option(help: "Calls whose caller, dialled or normalised number contains this.") var number: String?
    @Option(name: .customLong("class"), help: "Only calls to fixed, mobile or international numbers.") var destination: String?
    @Option(help: "ANSWERED, BUSY, \"NO ANSWER\", CANCELLED, FAILED or DENIED.") var disposition: String?
    @Option(help: "Page number, from 1 (default: 1 as text, the whole report with --csv).") var page: Int?
    @Option(help: "Rows per page (default: the tenant's setting, see `telefonia report page-size`).") var pageSize: Int?
    @Flag(help: "Write CSV (RFC 4180, UTF-8, Portuguese column names) instead of a table.") var csv = false

    /// The filter the options describe (directions are set by each report).
    func filter() throws -> ReportFilter {
        var filter = ReportFilter(tenantID: tenant, line: line, number: number)
        filter.from = try from.map { try Input.time($0, option: "--from") }
        filter.to = try to.map { try Input.time($0, option: "--to", endOfDay: true) }
        if let start = filter.from, let end = filter.to, start >= end {
            throw CLIError("--from must be before --to")
        }
        if let destination {
            guard let kind = DestinationKind(rawValue: destination.lowercased()) else {
                throw CLIError("unknown --class '\(destination)'; use fixed, mobile or international")
            }
            filter.destination = kind
        }
        filter.disposition = try disposition.map(Input.disposition)
        return filter
    }

    /// The page to show: nil (everything) for CSV without --page, else the page asked for or 1.
    func requestedPage() throws -> Int? {
        if let page, page < 1 { throw CLIError("--page must be 1 or more, not \(page)") }
        if let pageSize, !ReportSettings.pageSizes.contains(pageSize) {
            throw CLIError("--page-size must be between \(ReportSettings.pageSizes.lowerBound) and \(ReportSettings.pageSizes.upperBound), not \(pageSize)")
        }
        return csv ? page : (page ?? 1)
    }

    /// Opens the database and the report queries in the local time zone (TZ).
    func open(_ global: GlobalOptions) throws -> (store: SQLStore, reports: Reports) {
        let store = try Self.store(global)
        return (store, Reports(store: store, rating: store, timeZone: TimeZone.current))
    }

    /// The database as a report store.
    static func store(_ global: GlobalOptions) throws -> SQLStore {
        try SQLStore(url: global.databasePath, logger: Logger(label: "telefonia.cli"))
    }

    /// Records outlive tenants, so an unknown tenant is an error only when it explains an empty report.
    func checkTenant(_ store: SQLStore, emptyReport: Bool) throws {
        if emptyReport, try store.tenant(id: tenant) == nil {
            throw CLIError("unknown tenant \(tenant) and no call records of it; see `telefonia tenant list`")
        }
    }
}

/// Printing a report: a table with a page line, or CSV.
enum ReportOutput {
    /// "1:05", "1:02:03" for seconds.
    static func clock(_ seconds: Int) -> String {
        CDRCommand.List.clock(seconds)
    }

    /// "2025-03-01 09:00:00" in the local time zone.
    static func time(_ millis: Int64) -> String {
        ReportLabels.localTime(millis: millis, timeZone: TimeZone.current)
    }

    /// The table, then "page 1 of 4 (16 calls)".
    static func print<Row>(_ table: TextTable, _ page: ReportPage<Row>, noun: String) {
        table.print()
        Swift.print("page \(page.page) of \(page.pageCount) (\(page.total) \(noun))")
    }

    /// A CSV document on standard output, written in pieces so a large export does not
    /// sit in memory twice.
    static func writeCSV(header: [String], rows: some Collection<[String]>) {
        var text = ReportCSV.document(header: header, rows: [])
        text.reserveCapacity(1 << 20)
        for row in rows {
            text += row.map(CDRCSV.quoted).joined(separator: ",") + "\r\n"
            if text.utf8.count >= 1 << 20 {
                FileHandle.standardOutput.write(Data(text.utf8))
                text.removeAll(keepingCapacity: true)
            }
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
