import ArgumentParser
import Foundation
import TelefoniaCore
import TelefoniaStorage

/// `telefonia invoice generate|list|pay`: postpaid invoices (P4).
struct InvoiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoice",
        abstract: "Generate, list and settle postpaid invoices.",
        discussion: "Dates are local time (set TZ to change); --csv writes times in UTC.",
        subcommands: [Generate.self, List.self, Pay.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Invoice a postpaid tenant's calls of a period.",
            discussion: "The amount is the sum of the costs of the calls started in the period. "
                + "The invoice is due --due-days days after the last day of the period and overdue from the day after."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Option(help: ArgumentHelp("First day, YYYY-MM-DD[THH:MM].", valueName: "date")) var from: String
        @Option(help: ArgumentHelp("Last day (included), YYYY-MM-DD; or an end time YYYY-MM-DDTHH:MM (excluded).", valueName: "date"))
        var to: String
        @Option(help: "Days to pay after the end of the period.") var dueDays: Int = 10

        func run() throws {
            let start = try Input.time(from, option: "--from")
            let end = try Input.time(to, option: "--to", endOfDay: true)
            guard start < end else { throw CLIError("--from must be before --to") }
            guard (0...365).contains(dueDays) else { throw CLIError("--due-days must be 0 to 365, not \(dueDays)") }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone.current
            let endDate = Date(timeIntervalSince1970: Double(end) / 1000)
            let due = calendar.date(byAdding: .day, value: dueDays, to: endDate) ?? endDate
            let store = try global.openRatingStore()
            _ = try TenantCommand.existing(tenant, store: store)
            let result: Invoicing.Result
            do {
                result = try Invoicing(store: store, rating: store).generate(
                    tenantID: tenant, from: start, to: end, dueAt: Int64((due.timeIntervalSince1970 * 1000).rounded()))
            } catch let error as RatingError where error.code == .noPlan {
                throw CLIError(error.message)
            }
            let invoice = result.invoice
            var text = "invoice \(invoice.id) for tenant \(tenant): \(InvoiceCommand.period(invoice)), "
                + "\(result.pricedCalls) priced call(s), \(Money.format(cents: invoice.amountCents)), due \(InvoiceCommand.dueDay(invoice))"
            if result.unratedCalls > 0 { text += " (\(result.unratedCalls) call(s) without a price left out)" }
            print(text)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's invoices with their status today.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Flag(help: "Write CSV (RFC 4180, UTF-8) instead of a table.") var csv = false

        func run() throws {
            let store = try global.openRatingStore()
            _ = try TenantCommand.existing(tenant, store: store)
            let now = SystemWallClock().nowMillis()
            let invoices = try store.invoices(tenantID: tenant)
            if csv {
                RatingFormat.writeCSV(
                    ["id", "tenant", "period_from", "period_to", "amount", "due_at", "status", "paid_at"],
                    invoices.map {
                        [$0.id, $0.tenantID, CDRCSV.iso8601(millis: $0.periodFrom), CDRCSV.iso8601(millis: $0.periodTo),
                         Money.format(cents: $0.amountCents), CDRCSV.iso8601(millis: $0.dueAt), $0.status(at: now).rawValue,
                         $0.paidAt.map(CDRCSV.iso8601(millis:)) ?? ""]
                    })
                return
            }
            var table = TextTable("ID", "PERIOD", "AMOUNT", "DUE", "STATUS", "PAID")
            for invoice in invoices {
                table.append([
                    invoice.id, InvoiceCommand.period(invoice), Money.format(cents: invoice.amountCents),
                    InvoiceCommand.dueDay(invoice), invoice.status(at: now).rawValue, invoice.paidAt.map(RatingFormat.date) ?? "-",
                ])
            }
            table.print()
        }
    }

    struct Pay: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record that an invoice was paid.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Invoice id, e.g. acme-0001.") var id: String

        func run() throws {
            let store = try global.openRatingStore()
            let invoice: Invoice
            do {
                invoice = try Invoicing(store: store, rating: store).pay(invoiceID: id, now: SystemWallClock().nowMillis())
            } catch let error as RatingError where error.code == .notFound {
                throw CLIError("\(error.message); see `telefonia invoice list TENANT`")
            }
            print("invoice \(invoice.id) of tenant \(invoice.tenantID) paid (\(Money.format(cents: invoice.amountCents)))")
        }
    }

    /// "2025-03-01 to 2025-03-31": the end is exclusive, so the last day shown is the day before it.
    static func period(_ invoice: Invoice) -> String {
        "\(RatingFormat.date(invoice.periodFrom)) to \(RatingFormat.date(invoice.periodTo - 1))"
    }

    /// The last day to pay: the invoice is overdue from `dueAt`, the start of the next day.
    static func dueDay(_ invoice: Invoice) -> String {
        RatingFormat.date(invoice.dueAt - 1)
    }
}
