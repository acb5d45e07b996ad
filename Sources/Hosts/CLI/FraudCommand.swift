import ArgumentParser
import Foundation
import TelefoniaCore

/// `telefonia fraud`: calls the toll-fraud limits refused (B8), newest first.
struct FraudCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fraud",
        abstract: "List calls refused by the toll-fraud limits (concurrency, rate, daily spend) and calls flagged (night bursts).",
        discussion: "Limits are server settings (fraud.* keys, see the README). Times are UTC."
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this tenant.") var tenant: String?
    @Option(help: ArgumentHelp("Calls started at or after YYYY-MM-DD[THH:MM].", valueName: "date")) var from: String?
    @Option(help: ArgumentHelp("Calls started up to this day (inclusive) or time.", valueName: "date")) var to: String?
    @Flag(help: "CSV instead of a table.") var csv = false

    /// The limit that refused the call, or "flagged: …" for a call let through.
    static func what(_ cdr: CDR) -> String {
        if cdr.reason.hasPrefix(FraudLimits.reasonPrefix) { return String(cdr.reason.dropFirst(FraudLimits.reasonPrefix.count)) }
        guard let range = cdr.reason.range(of: FraudLimits.flagMarker) else { return cdr.reason }
        return "flagged: " + cdr.reason[range.upperBound...].dropLast()
    }

    func run() throws {
        // "toll-fraud" is in the reason of both trips and flags: the store narrows, the check below is exact.
        var filter = CDRFilter(tenantID: tenant, reason: "toll-fraud")
        filter.from = try from.map { try Input.time($0, option: "--from") }
        filter.to = try to.map { try Input.time($0, option: "--to", endOfDay: true) }
        let store = try global.openStore()
        if let tenant { _ = try TenantCommand.existing(tenant, store: store) }
        let trips = try store.cdrs(filter).filter {
            ($0.disposition == .denied && $0.reason.hasPrefix(FraudLimits.reasonPrefix)) || $0.reason.contains(FraudLimits.flagMarker)
        }.reversed()
        if csv {
            var text = "start,tenant,line,number,class,limit\r\n"
            for cdr in trips {
                text += [CDRCSV.iso8601(millis: cdr.startedAt), cdr.tenantID, cdr.line ?? "", cdr.normalized,
                         cdr.numberClass?.rawValue ?? "", Self.what(cdr)]
                    .map(CDRCSV.quoted).joined(separator: ",") + "\r\n"
            }
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        var table = TextTable("START", "TENANT", "LINE", "NUMBER", "LIMIT")
        for cdr in trips {
            table.append([CDRCSV.iso8601(millis: cdr.startedAt), cdr.tenantID, cdr.line ?? "-", cdr.normalized,
                          Self.what(cdr)])
        }
        table.print()
    }
}
