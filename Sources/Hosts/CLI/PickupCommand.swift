import ArgumentParser
import Foundation
import TelefoniaCore

/// `telefonia pickup set|list|remove`: pickup groups (L4).
struct PickupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pickup",
        abstract: "Manage pickup groups: which lines may pick up (*8, **EXT) which lines' ringing calls.",
        subcommands: [Set.self, List.self, Remove.self]
    )

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a pickup group, or replace it whole.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Group name (letters, digits, '-', '_', '.').") var name: String
        @Option(help: "Lines that may pick up, comma-separated.") var pickers: String
        @Option(help: "Lines whose ringing calls may be picked up, comma-separated.") var pickable: String

        func run() throws {
            let store = try global.openCallFlowStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            func list(_ text: String) -> [String] { text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let group = PickupGroup(tenantID: owner.id, name: name, pickers: list(pickers), pickable: list(pickable))
            if let problem = group.problem() { throw CLIError(problem) }
            let existed = try store.pickupGroups(tenantID: owner.id).contains { $0.name == name }
            try store.save(group)
            print("\(existed ? "replaced" : "added") pickup group \(name) of tenant \(owner.id)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's pickup groups.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String

        func run() throws {
            let store = try global.openCallFlowStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            var table = TextTable("NAME", "PICK UP", "PICKED UP")
            for group in try store.pickupGroups(tenantID: owner.id) {
                table.append([group.name, group.pickers.joined(separator: ","), group.pickable.joined(separator: ",")])
            }
            table.print()
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a pickup group.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Group name.") var name: String

        func run() throws {
            let store = try global.openCallFlowStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard try store.pickupGroups(tenantID: owner.id).contains(where: { $0.name == name }) else {
                throw CLIError("tenant \(owner.id) has no pickup group \(name); see `telefonia pickup list \(owner.id)`")
            }
            try store.removePickupGroup(tenantID: owner.id, name: name)
            print("removed pickup group \(name) of tenant \(owner.id)")
        }
    }
}
