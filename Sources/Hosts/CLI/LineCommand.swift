import ArgumentParser
import TelefoniaCore

/// `telefonia line add|list|change|remove`.
struct LineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "line",
        abstract: "Manage lines: the SIP accounts phones register with.",
        subcommands: [Add.self, List.self, Change.self, Remove.self]
    )

    static let allowHelp = "Permissions, comma-separated: fixed, mobile, ldn, international, record, listen."

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a line.", discussion: "Only digests (HA1, MD5 and SHA-256) of the password are stored."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("Extension, also the SIP user name, e.g. 1001.", valueName: "extension")) var ext: String
        @Option(help: "Tenant id.") var tenant: String
        @Option(help: "SIP password; \"-\" reads it from standard input.") var password: String
        @Option(help: "Caller ID on public calls (default: the tenant's).") var callerID: String?
        @Option(help: "Display name.") var name: String?
        @Option(help: ArgumentHelp(allowHelp + " Default: fixed,mobile,ldn.")) var allow: String?
        @Option(help: "Seconds a call to the line rings.") var ringTimeout: Int = 30

        func run() throws {
            let store = try global.openStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            let ext = try Input.extensionNumber(ext)
            if try store.line(tenantID: owner.id, extensionNumber: ext) != nil {
                throw CLIError("tenant \(owner.id) already has line \(ext); change it with `telefonia line change \(ext) --tenant \(owner.id)`")
            }
            var line = Line(
                tenantID: owner.id, extensionNumber: ext, ha1MD5: "", ha1SHA256: "",
                callerID: try callerID.flatMap(Input.callerID), displayName: name.flatMap { $0.isEmpty ? nil : $0 },
                permissions: try allow.map(Input.permissions) ?? .defaultLine, ringTimeout: try Input.ringTimeout(ringTimeout)
            )
            LineCommand.setPassword(try Input.password(password), of: &line, domain: owner.domain)
            try store.save(line)
            print("added line \(ext) to tenant \(owner.id)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the lines of a tenant.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Tenant id.") var tenant: String

        func run() throws {
            let store = try global.openStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            var table = TextTable("EXTENSION", "NAME", "CALLER ID", "PERMISSIONS", "RING TIMEOUT")
            for line in try store.lines(tenantID: owner.id) {
                table.append([
                    line.extensionNumber, line.displayName ?? "-", line.callerID ?? "-",
                    line.permissions.isEmpty ? "-" : line.permissions.namesDescription, "\(line.ringTimeout)s",
                ])
            }
            table.print()
        }
    }

    struct Change: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a line.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("Extension.", valueName: "extension")) var ext: String
        @Option(help: "Tenant id.") var tenant: String
        @Option(help: "New SIP password; \"-\" reads it from standard input.") var password: String?
        @Option(help: "Caller ID on public calls; \"\" for the tenant's.") var callerID: String?
        @Option(help: "Display name; \"\" for none.") var name: String?
        @Option(help: ArgumentHelp(allowHelp + " Replaces the current set; \"\" for none.")) var allow: String?
        @Option(help: "Seconds a call to the line rings.") var ringTimeout: Int?

        func run() throws {
            let store = try global.openStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard var line = try store.line(tenantID: owner.id, extensionNumber: ext) else {
                throw CLIError("tenant \(owner.id) has no line \(ext); see `telefonia line list --tenant \(owner.id)`")
            }
            if let password { LineCommand.setPassword(try Input.password(password), of: &line, domain: owner.domain) }
            if let callerID { line.callerID = try Input.callerID(callerID) }
            if let name { line.displayName = name.isEmpty ? nil : name }
            if let allow { line.permissions = try Input.permissions(allow) }
            if let ringTimeout { line.ringTimeout = try Input.ringTimeout(ringTimeout) }
            try store.save(line)
            print("changed line \(ext) of tenant \(owner.id)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a line.", discussion: "Its DIDs and registrations go with it; call records are kept."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("Extension.", valueName: "extension")) var ext: String
        @Option(help: "Tenant id.") var tenant: String

        func run() throws {
            let store = try global.openStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard try store.line(tenantID: owner.id, extensionNumber: ext) != nil else {
                throw CLIError("tenant \(owner.id) has no line \(ext); see `telefonia line list --tenant \(owner.id)`")
            }
            try store.removeLine(tenantID: owner.id, extensionNumber: ext)
            print("removed line \(ext) of tenant \(owner.id)")
        }
    }

    /// Digest authentication uses the tenant's domain as realm (RFC 3261 section 22.1).
    static func setPassword(_ password: String, of line: inout Line, domain: String) {
        line.ha1MD5 = Digest.ha1(username: line.extensionNumber, realm: domain, password: password, algorithm: .md5)
        line.ha1SHA256 = Digest.ha1(username: line.extensionNumber, realm: domain, password: password, algorithm: .sha256)
    }
}
