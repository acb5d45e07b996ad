import ArgumentParser
import TelefoniaCore
import TelefoniaStorage

/// `telefonia simulate --tenant T --line EXT NUMBER [--seconds 300]`: what a call would cost (P9).
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Show what a call from a line to a number would cost (5 minutes unless --seconds).",
        discussion: "The number is dialled as on the phone: an extension, 8-9 digits, 0 + area + number, 00 + country…"
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: "Tenant id.") var tenant: String
    @Option(help: "The calling line (extension).") var line: String
    @Argument(help: "Number as dialled.") var number: String
    @Option(help: "Talk time in seconds.") var seconds: Int = 300
    @Flag(help: "Write CSV (RFC 4180, UTF-8) instead of text.") var csv = false

    func run() throws {
        guard (1...86_400).contains(seconds) else { throw CLIError("--seconds must be 1 to 86400, not \(seconds)") }
        let store = try global.openRatingStore()
        _ = try TenantCommand.existing(tenant, store: store)
        let result: CostSimulation
        do {
            result = try CostSimulator(store: store, tariffs: store).simulate(tenantID: tenant, line: line, dialled: number, seconds: seconds)
        } catch let error as RatingError {
            switch error.code {
            case .noPlan: throw CLIError("\(error.message); put it on one with `telefonia tenant plan \(tenant) PLAN`")
            case .notFound: throw CLIError("\(error.message); see `telefonia line list --tenant \(tenant)`")
            default: throw CLIError(error.message)
            }
        }
        let rate = result.rate.map(Self.describe) ?? (result.sold ? "free" : "none: plan \(result.plan.id) does not sell \(result.numberClass.rawValue) calls")
        if csv {
            RatingFormat.writeCSV(
                ["tenant", "line", "dialled", "normalized", "class", "region", "plan", "kind", "rate", "permitted", "seconds", "billed_seconds", "cost"],
                [[result.tenantID, result.line, result.dialled, result.normalized, result.numberClass.rawValue,
                  result.region?.label ?? "", result.plan.id, result.plan.kind.rawValue, rate, result.permitted ? "yes" : "no",
                  String(result.seconds), String(result.billedSeconds), result.sold ? Money.format(cents: result.costCents) : ""]])
            return
        }
        var fields: [(String, String)] = [
            ("plan", "\(result.plan.id) (\(result.plan.name), \(result.plan.kind.rawValue))"),
            ("line", result.line),
            ("number", result.dialled == result.normalized ? result.normalized : "\(result.dialled) → \(result.normalized)"),
            ("class", result.numberClass.rawValue),
            ("region", result.region.map { "\($0.label) (area \($0.areaCode))" } ?? "-"),
            ("rate", rate),
            ("duration", "\(RatingFormat.clock(result.seconds)) (billed \(RatingFormat.clock(result.billedSeconds)))"),
            ("cost", result.sold ? Money.format(cents: result.costCents) : "-"),
        ]
        if !result.permitted {
            fields.append(("note", "line \(result.line) may not call \(result.numberClass.rawValue) numbers"))
        }
        RatingFormat.printFields(fields)
    }

    /// "mobile-local 0.35/min, connection 0.10, 30/6, minimum 30 s".
    static func describe(_ rate: Rate) -> String {
        var text = "\(rate.destinationDescription) \(Money.format(price: rate.pricePerMinute))/min"
        if rate.connectionFee > 0 { text += ", connection \(Money.format(price: rate.connectionFee))" }
        text += ", \(rate.incrementsDescription)"
        if rate.minimumSeconds > 0 { text += ", minimum \(rate.minimumSeconds) s" }
        return text
    }
}
