import ArgumentParser
import Foundation
import TelefoniaCore
import TelefoniaStorage

/// `telefonia recharge TENANT AMOUNT`: adds prepaid credit (a `recharge` movement).
struct RechargeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recharge",
        abstract: "Add credit to a tenant's prepaid balance.",
        discussion: "The amount is typed with a dot and at most 2 decimals, e.g. 10.50. Calls in progress get the new credit."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Tenant id.") var tenant: String
    @Argument(help: "Amount, e.g. 10.50.") var amount: String
    @Option(help: "Note kept in the credit log (default: operator).") var note: String = "operator"

    func run() throws {
        let cents = try Input.cents(amount)
        guard cents > 0 else { throw CLIError("the amount must be more than 0.00") }
        let store = try global.openRatingStore()
        _ = try TenantCommand.existing(tenant, store: store)
        let applied = try store.applyCreditMovement(CreditMovement(
            tenantID: tenant, at: SystemWallClock().nowMillis(), kind: .recharge, amountCents: cents, balanceAfterCents: 0,
            note: note))
        print("recharged tenant \(tenant) with \(Money.format(cents: cents)); balance \(Money.format(cents: applied.balanceAfterCents))")
    }
}
