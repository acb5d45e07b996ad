import ArgumentParser
import TelefoniaCore

/// `telefonia did add|list|remove`.
struct DIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "did",
        abstract: "Manage DIDs: public numbers that ring a line.",
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Route a public number to a line.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Number with country code, e.g. +55 11 3000-1000.") var number: String
        @Option(help: "Tenant id.") var tenant: String
        @Option(help: "Extension that rings.") var line: String

        func run() throws {
            let store = try global.openStore()
            let number = try Input.e164(number)
            let owner = try TenantCommand.existing(tenant, store: store)
            guard try store.line(tenantID: owner.id, extensionNumber: line) != nil else {
                throw CLIError("tenant \(owner.id) has no line \(line); see `telefonia line list --tenant \(owner.id)`")
            }
            if let existing = try store.did(number: number) {
                throw CLIError(
                    "\(number) already rings line \(existing.extensionNumber) of tenant \(existing.tenantID); "
                        + "remove it first with `telefonia did remove \(number)`"
                )
            }
            try store.save(DID(number: number, tenantID: owner.id, extensionNumber: line))
            print("added DID \(number) to line \(line) of tenant \(owner.id)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List DIDs.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this tenant's.") var tenant: String?

        func run() throws {
            let store = try global.openStore()
            if let tenant { _ = try TenantCommand.existing(tenant, store: store) }
            var table = TextTable("NUMBER", "TENANT", "LINE")
            for did in try store.dids(tenantID: tenant) {
                table.append([did.number, did.tenantID, did.extensionNumber])
            }
            table.print()
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop routing a public number.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Number.") var number: String

        func run() throws {
            let store = try global.openStore()
            let number = try Input.e164(number)
            guard try store.did(number: number) != nil else {
                throw CLIError("unknown DID \(number); see `telefonia did list`")
            }
            try store.removeDID(number: number)
            print("removed DID \(number)")
        }
    }
}
