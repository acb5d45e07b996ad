import ArgumentParser
import TelefoniaCore
import TelefoniaStorage

/// `telefonia plan add|list|show|change|remove` and `plan rate add|remove`: tariff plans (M1).
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Manage tariff plans: what tenants pay per destination.",
        discussion: """
            Prices are typed with a dot and at most 4 decimals (0.35, 0.0125) and kept exactly. \
            A call costs the connection fee plus the price per minute for its billed time (raised to the \
            minimum, then rounded up to the increments), rounded to the cent half up.
            """,
        subcommands: [Add.self, List.self, Show.self, Change.self, Remove.self, RateCommand.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a tariff plan.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Plan id, e.g. basic.") var id: String
        @Option(help: "Plan name (default: the id).") var name: String?
        @Option(help: "postpaid (invoiced) or prepaid (paid from a balance).") var kind: String = "postpaid"

        func run() throws {
            let store = try global.openRatingStore()
            let id = try Input.identifier(id, kind: "plan")
            let kind = try Input.planKind(kind)
            if try store.tariffPlan(id: id) != nil {
                throw CLIError("plan \(id) already exists; change it with `telefonia plan change \(id)`")
            }
            try store.save(TariffPlan(id: id, name: name ?? id, kind: kind))
            print("added plan \(id)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tariff plans.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Write CSV (RFC 4180, UTF-8) instead of a table.") var csv = false

        func run() throws {
            let store = try global.openRatingStore()
            var rows: [[String]] = []
            for plan in try store.tariffPlans() {
                let tenants = try store.tenantIDs(onTariffPlan: plan.id)
                rows.append([plan.id, plan.name, plan.kind.rawValue, String(plan.rates.count),
                             tenants.isEmpty && !csv ? "-" : tenants.joined(separator: ",")])
            }
            if csv {
                RatingFormat.writeCSV(["id", "name", "kind", "rates", "tenants"], rows)
                return
            }
            var table = TextTable("ID", "NAME", "KIND", "RATES", "TENANTS")
            rows.forEach { table.append($0) }
            table.print()
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a plan and its rates.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Plan id.") var id: String
        @Flag(help: "Write the rates as CSV (RFC 4180, UTF-8) instead of a table.") var csv = false

        func run() throws {
            let store = try global.openRatingStore()
            let plan = try PlanCommand.existing(id, store: store)
            if csv {
                RatingFormat.writeCSV(
                    ["plan", "class", "prefix", "price_per_minute", "connection_fee", "first_increment", "next_increment", "minimum_seconds"],
                    plan.rates.map { rate in
                        [plan.id, rate.numberClass?.rawValue ?? "", rate.prefix ?? "", Money.format(price: rate.pricePerMinute),
                         Money.format(price: rate.connectionFee), String(rate.firstIncrement), String(rate.nextIncrement),
                         String(rate.minimumSeconds)]
                    })
                return
            }
            let tenants = try store.tenantIDs(onTariffPlan: plan.id)
            print("plan \(plan.id) (\(plan.name)), \(plan.kind.rawValue), tenants: \(tenants.isEmpty ? "-" : tenants.joined(separator: ", "))")
            var table = TextTable("DESTINATION", "PRICE/MIN", "CONNECTION", "INCREMENTS", "MINIMUM")
            for rate in plan.rates {
                table.append([rate.destinationDescription, Money.format(price: rate.pricePerMinute),
                              Money.format(price: rate.connectionFee), rate.incrementsDescription, "\(rate.minimumSeconds)s"])
            }
            table.print()
        }
    }

    struct Change: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a plan or change its kind.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Plan id.") var id: String
        @Option(help: "New name.") var name: String?
        @Option(help: "postpaid or prepaid.") var kind: String?

        func run() throws {
            let store = try global.openRatingStore()
            var plan = try PlanCommand.existing(id, store: store)
            if let name { plan.name = name }
            if let kind { plan.kind = try Input.planKind(kind) }
            try store.save(plan)
            print("changed plan \(id)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a plan no tenant uses.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Plan id.") var id: String

        func run() throws {
            let store = try global.openRatingStore()
            _ = try PlanCommand.existing(id, store: store)
            let tenants = try store.tenantIDs(onTariffPlan: id)
            if !tenants.isEmpty {
                throw CLIError(
                    "plan \(id) is used by tenant \(tenants.joined(separator: ", ")); move them to another plan first "
                        + "with `telefonia tenant plan TENANT PLAN`")
            }
            try store.removeTariffPlan(id: id)
            print("removed plan \(id)")
        }
    }

    /// `plan rate add|remove`.
    struct RateCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rate", abstract: "Add, replace or remove a rate of a plan.", subcommands: [Add.self, Remove.self]
        )

        /// The destination options both subcommands take.
        struct Destination: ParsableArguments {
            @Option(name: .customLong("class"), help: ArgumentHelp(
                "Destination class: fixed-local, fixed-ldn, mobile-local, mobile-ldn, international, toll-free or internal.",
                valueName: "class"))
            var numberClass: String?
            @Option(help: "Leading E.164 digits without '+', e.g. 5511 (longest prefix wins over the class rate).")
            var prefix: String?

            func destination() throws -> Rate.Destination {
                guard numberClass != nil || prefix != nil else {
                    throw CLIError("name the destination with --class, --prefix or both")
                }
                return Rate.Destination(numberClass: try numberClass.map(Input.numberClass), prefix: prefix)
            }
        }

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a rate, or replace the plan's rate for the same destination.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Plan id.") var plan: String
            @OptionGroup var destination: Destination
            @Option(help: "Price per minute, e.g. 0.35 (at most 4 decimals).") var price: String
            @Option(help: "Connection fee per answered call, e.g. 0.10.") var connection: String = "0"
            @Option(help: "Billing increments FIRST/NEXT in seconds, e.g. 30/6 or 60/60.") var increments: String = "30/6"
            @Option(help: "Minimum billed seconds.") var minimum: Int = 0

            func run() throws {
                let store = try global.openRatingStore()
                var tariff = try PlanCommand.existing(plan, store: store)
                let target = try destination.destination()
                let steps = try Input.increments(increments)
                guard (0...3600).contains(minimum) else { throw CLIError("--minimum must be 0 to 3600 seconds, not \(minimum)") }
                let rate = Rate(
                    numberClass: target.numberClass, prefix: target.prefix,
                    pricePerMinute: try Input.price(price, option: "--price"),
                    connectionFee: try Input.price(connection, option: "--connection"),
                    firstIncrement: steps.first, nextIncrement: steps.next, minimumSeconds: minimum)
                do {
                    try rate.validate()
                } catch {
                    throw CLIError(error.message)
                }
                let replaced = tariff.setRate(rate)
                try store.save(tariff)
                print("\(replaced ? "replaced" : "added") rate \(rate.destinationDescription) \(replaced ? "in" : "to") plan \(plan)")
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove the rate of a destination.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Plan id.") var plan: String
            @OptionGroup var destination: Destination

            func run() throws {
                let store = try global.openRatingStore()
                var tariff = try PlanCommand.existing(plan, store: store)
                let target = try destination.destination()
                let name = Rate(numberClass: target.numberClass, prefix: target.prefix, pricePerMinute: 0).destinationDescription
                guard tariff.removeRate(target) else {
                    throw CLIError("plan \(plan) has no rate for \(name); see `telefonia plan show \(plan)`")
                }
                try store.save(tariff)
                print("removed rate \(name) from plan \(plan)")
            }
        }
    }

    /// The plan, or an error naming the command that lists them.
    static func existing(_ id: String, store: any TariffStore) throws -> TariffPlan {
        guard let plan = try store.tariffPlan(id: id) else {
            throw CLIError("unknown plan \(id); see `telefonia plan list`")
        }
        return plan
    }
}
