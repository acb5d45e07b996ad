import ArgumentParser
import TelefoniaCore
import TelefoniaStorage

/// `telefonia balance TENANT [--history]`: the prepaid balance and its credit log (R5).
struct BalanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balance",
        abstract: "Show a tenant's prepaid balance, or with --history every movement of it.",
        discussion: "Dates are local time (set TZ to change); --csv writes times in UTC."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Tenant id.") var tenant: String
    @Flag(help: "List the movements (calls, recharges, adjustments), oldest first.") var history = false
    @Option(help: ArgumentHelp("Movements at or after YYYY-MM-DD[THH:MM].", valueName: "date")) var from: String?
    @Option(help: ArgumentHelp("Movements before YYYY-MM-DD[THH:MM]; a bare date includes that day.", valueName: "date"))
    var to: String?
    @Flag(help: "Write CSV (RFC 4180, UTF-8) instead of text.") var csv = false

    func run() throws {
        let start = try from.map { try Input.time($0, option: "--from") }
        let end = try to.map { try Input.time($0, option: "--to", endOfDay: true) }
        if let start, let end, start >= end { throw CLIError("--from must be before --to") }
        let store = try global.openRatingStore()
        _ = try TenantCommand.existing(tenant, store: store)
        let balance = try store.balanceCents(tenantID: tenant)
        guard history || from != nil || to != nil else {
            if csv {
                RatingFormat.writeCSV(["tenant", "balance"], [[tenant, Money.format(cents: balance)]])
                return
            }
            let plan = try store.tariffPlan(tenantID: tenant)
            let planText = plan.map { "\($0.kind.rawValue) plan \($0.id)" } ?? "no plan"
            print("tenant \(tenant): balance \(Money.format(cents: balance)) (\(planText))")
            return
        }
        let movements = try store.creditMovements(tenantID: tenant, from: start, to: end)
        if csv {
            RatingFormat.writeCSV(
                ["id", "tenant", "time", "kind", "amount", "balance_after", "cdr_id", "note"],
                movements.map {
                    [$0.id.map(String.init) ?? "", $0.tenantID, CDRCSV.iso8601(millis: $0.at), $0.kind.rawValue,
                     Money.format(cents: $0.amountCents), Money.format(cents: $0.balanceAfterCents), $0.cdrID ?? "", $0.note]
                })
            return
        }
        var table = TextTable("TIME", "KIND", "AMOUNT", "BALANCE", "CALL", "NOTE")
        for movement in movements {
            table.append([
                RatingFormat.dateTime(movement.at), movement.kind.rawValue, Money.format(cents: movement.amountCents),
                Money.format(cents: movement.balanceAfterCents), movement.cdrID ?? "-", movement.note.isEmpty ? "-" : movement.note,
            ])
        }
        table.print()
        print("balance \(Money.format(cents: balance))")
    }
}
