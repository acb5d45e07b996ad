import ArgumentParser
import Foundation
import TelefoniaCore

/// `telefonia group set|list|remove`: call groups (L3).
struct GroupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group",
        abstract: "Manage call groups: lines that ring together or in turn (IVR option group:NAME, did --group).",
        subcommands: [Set.self, List.self, Remove.self]
    )

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a call group, or replace it whole.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Group name (letters, digits, '-', '_', '.').") var name: String
        @Option(help: "Member extensions in ringing order, comma-separated, e.g. 201,202,203.") var members: String
        @Option(help: "ring-all, sequential or random.") var strategy = "ring-all"
        @Option(help: "Seconds each member rings (sequential, random; 5-300).") var memberRingTime = 15
        @Option(help: "Seconds the whole group rings (ring-all; 5-600).") var ringTime = 30
        @Option(help: "Where unanswered calls go: hangup, line:EXT, group:NAME, queue:NAME, voicemail:EXT or menu:N.") var noAnswer = "hangup"
        @Flag(help: "Keep the group but send its calls straight to --no-answer.") var disabled = false

        func run() throws {
            let store = try global.openCallFlowStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard let chosen = CallGroup.Strategy(rawValue: strategy) else {
                throw CLIError("--strategy '\(strategy)' must be ring-all, sequential or random")
            }
            guard let overflow = IVRDestination(parsing: noAnswer) else {
                throw CLIError("--no-answer '\(noAnswer)' must be hangup, line:EXT, group:NAME, queue:NAME, voicemail:EXT or menu:N")
            }
            let list = members.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let group = CallGroup(tenantID: owner.id, name: name, strategy: chosen, members: list, memberRingTime: memberRingTime,
                                  ringTime: ringTime, enabled: !disabled, noAnswer: overflow)
            if let problem = group.problem() { throw CLIError(problem) }
            let existed = try store.callGroup(tenantID: owner.id, name: name) != nil
            try store.save(group)
            print("\(existed ? "replaced" : "added") call group \(name) of tenant \(owner.id)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's call groups.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String

        func run() throws {
            let store = try global.openCallFlowStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            var table = TextTable("NAME", "STRATEGY", "MEMBERS", "RING", "NO ANSWER", "ENABLED")
            for group in try store.callGroups(tenantID: owner.id) {
                table.append([group.name, group.strategy.rawValue, group.members.joined(separator: ","), "\(group.roundTime) s",
                              group.noAnswer.description, group.enabled ? "yes" : "no"])
            }
            table.print()
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a call group nothing leads to.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Group name.") var name: String

        func run() throws {
            let store = try global.openCallFlowStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard try store.callGroup(tenantID: owner.id, name: name) != nil else {
                throw CLIError("tenant \(owner.id) has no call group \(name); see `telefonia group list \(owner.id)`")
            }
            try store.removeCallGroup(tenantID: owner.id, name: name)
            print("removed call group \(name) of tenant \(owner.id)")
        }
    }
}
