import ArgumentParser
import Foundation
import TelefoniaCore
import TelefoniaStorage

/// `telefonia adjust TENANT --by AMOUNT --note WHY`: corrects a prepaid balance (an `adjustment` movement).
struct AdjustCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adjust",
        abstract: "Correct a tenant's prepaid balance up or down, with a reason.",
        discussion: "The amount may be negative (-2.50) but may not take the balance below zero."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Tenant id.") var tenant: String
    // .unconditional: "-2.50" is a value, not an option.
    @Option(parsing: .unconditional, help: "Signed amount, e.g. -2.50 or 1.00.") var by: String
    @Option(help: "Why (kept in the credit log).") var note: String

    func run() throws {
        let cents = try Input.cents(by, allowNegative: true)
        guard cents != 0 else { throw CLIError("the amount must not be 0.00") }
        guard !note.trimmingCharacters(in: .whitespaces).isEmpty else { throw CLIError("--note must say why") }
        let store = try global.openRatingStore()
        _ = try TenantCommand.existing(tenant, store: store)
        let balance = try store.balanceCents(tenantID: tenant)
        guard balance + cents >= 0 else {
            throw CLIError("tenant \(tenant) has \(Money.format(cents: balance)); the adjustment would leave \(Money.format(cents: balance + cents))")
        }
        let applied = try store.applyCreditMovement(CreditMovement(
            tenantID: tenant, at: SystemWallClock().nowMillis(), kind: .adjustment, amountCents: cents, balanceAfterCents: 0,
            note: note))
        print("adjusted tenant \(tenant) by \(Money.format(cents: cents)); balance \(Money.format(cents: applied.balanceAfterCents))")
    }
}
