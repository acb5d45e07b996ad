import ArgumentParser
import TelefoniaCore

/// `telefonia tenant add|list|change|remove`.
struct TenantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant",
        abstract: "Manage tenants: the companies that own lines and DIDs.",
        subcommands: [Add.self, List.self, Change.self, Remove.self, TenantPlanCommand.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a tenant.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id, e.g. acme.") var id: String
        @Option(help: "SIP domain of its lines, also the digest realm.") var domain: String
        @Option(help: "Company name (default: the id).") var name: String?
        @Option(help: "Area code (DDD) for local numbers.") var area: String = "11"
        @Option(help: "Trunk for public calls (default: the first trunk).") var trunk: String?

        func run() throws {
            let store = try global.openStore()
            let id = try Input.identifier(id, kind: "tenant")
            guard Tenant.isValidID(id) else { throw CLIError("tenant id '\(id)' is not valid: \(Tenant.idRule)") }
            let tenant = Tenant(
                id: id, domain: try Input.domain(domain), name: name ?? id, areaCode: try Input.areaCode(area),
                trunkID: try TenantCommand.trunkID(trunk, store: store)
            )
            if try store.tenant(id: id) != nil {
                throw CLIError("tenant \(id) already exists; change it with `telefonia tenant change \(id)`")
            }
            try store.save(tenant)
            print("added tenant \(id)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let store = try global.openStore()
            var table = TextTable("ID", "DOMAIN", "NAME", "AREA", "TRUNK", "LINES")
            for tenant in try store.tenants() {
                let lines = try store.lines(tenantID: tenant.id).count
                table.append([tenant.id, tenant.domain, tenant.name, tenant.areaCode, tenant.trunkID ?? "-", String(lines)])
            }
            table.print()
        }
    }

    struct Change: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a tenant.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var id: String
        @Option(help: "New SIP domain (lines need new passwords: their HA1 includes it).") var domain: String?
        @Option(help: "New company name.") var name: String?
        @Option(help: "New area code (DDD).") var area: String?
        @Option(help: "Trunk for public calls; \"\" for the first trunk.") var trunk: String?
        @Flag(help: "Change the domain even though the tenant has lines.") var force = false

        func run() throws {
            let store = try global.openStore()
            var tenant = try TenantCommand.existing(id, store: store)
            if let domain {
                let domain = try Input.domain(domain)
                let lines = try store.lines(tenantID: id).count
                if domain != tenant.domain && lines > 0 && !force {
                    throw CLIError(
                        "tenant \(id) has \(lines) line(s) whose passwords are stored as digests of the domain; "
                            + "add --force and then set each password again with `telefonia line change EXT --tenant \(id) --password P`"
                    )
                }
                tenant.domain = domain
            }
            if let name { tenant.name = name }
            if let area { tenant.areaCode = try Input.areaCode(area) }
            if let trunk { tenant.trunkID = try TenantCommand.trunkID(trunk, store: store) }
            try store.save(tenant)
            print("changed tenant \(id)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a tenant.", discussion: "Its call records are kept."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var id: String
        @Flag(help: "Also remove its lines, DIDs and registrations.") var force = false

        func run() throws {
            let store = try global.openStore()
            _ = try TenantCommand.existing(id, store: store)
            let lines = try store.lines(tenantID: id).count
            if lines > 0 && !force {
                let dids = try store.dids(tenantID: id).count
                throw CLIError(
                    "tenant \(id) still has \(lines) line(s) and \(dids) DID(s); remove them first, "
                        + "or add --force to remove the tenant with all of them"
                )
            }
            try store.removeTenant(id: id)
            print("removed tenant \(id)")
        }
    }

    /// The tenant, or an error naming the command that lists them.
    static func existing(_ id: String, store: any Store) throws -> Tenant {
        guard let tenant = try store.tenant(id: id) else {
            throw CLIError("unknown tenant \(id); see `telefonia tenant list`")
        }
        return tenant
    }

    /// nil for no trunk ("" or absent), else a trunk that exists.
    static func trunkID(_ text: String?, store: any Store) throws -> String? {
        guard let text, !text.isEmpty else { return nil }
        guard try store.trunk(id: text) != nil else {
            throw CLIError("unknown trunk \(text); add it with `telefonia trunk add \(text) --host HOST` or see `telefonia trunk list`")
        }
        return text
    }
}
