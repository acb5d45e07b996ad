import ArgumentParser
import TelefoniaCore
import TelefoniaStorage

/// `telefonia tenant plan TENANT [PLAN | --none]`: which tariff plan a tenant is on.
struct TenantPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show or set a tenant's tariff plan.",
        discussion: "Without a plan, the tenant's calls are not rated. The change applies to calls placed from then on."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Tenant id.") var tenant: String
    @Argument(help: "Plan id to put the tenant on (omit to show the current one).") var plan: String?
    @Flag(help: "Take the tenant off any plan.") var none = false

    func run() throws {
        let store = try global.openRatingStore()
        _ = try TenantCommand.existing(tenant, store: store)
        if none {
            guard plan == nil else { throw CLIError("give a plan or --none, not both") }
            try store.assignTariffPlan(nil, tenantID: tenant)
            print("tenant \(tenant) is on no plan; its calls are not rated")
            return
        }
        guard let plan else {
            if let current = try store.tariffPlan(tenantID: tenant) {
                print("tenant \(tenant) is on plan \(current.id) (\(current.kind.rawValue))")
            } else {
                print("tenant \(tenant) is on no plan; its calls are not rated")
            }
            return
        }
        let chosen = try PlanCommand.existing(plan, store: store)
        try store.assignTariffPlan(chosen.id, tenantID: tenant)
        print("tenant \(tenant) is now on plan \(chosen.id) (\(chosen.kind.rawValue))")
    }
}
