import ArgumentParser
import TelefoniaCore

/// `telefonia line add|list|change|remove`.
struct LineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "line",
        abstract: "Manage lines: the SIP accounts phones register with.",
        subcommands: [Add.self, List.self, Change.self, Remove.self, Features.self]
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
        @Option(help: "Add this many lines with consecutive extensions from <extension>, all with the same settings and password.")
        var count: Int = 1

        func run() throws {
            let store = try global.openStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            let first = try Input.extensionNumber(ext)
            guard (1...100_000).contains(count) else { throw CLIError("--count must be between 1 and 100000, got \(count)") }
            let extensions = try LineCommand.consecutive(from: first, count: count)
            for ext in extensions where try store.line(tenantID: owner.id, extensionNumber: ext) != nil {
                throw CLIError("tenant \(owner.id) already has line \(ext); change it with `telefonia line change \(ext) --tenant \(owner.id)`")
            }
            let password = try Input.password(password)
            var template = Line(
                tenantID: owner.id, extensionNumber: first, ha1MD5: "", ha1SHA256: "",
                callerID: try callerID.flatMap(Input.callerID), displayName: name.flatMap { $0.isEmpty ? nil : $0 },
                permissions: try allow.map(Input.permissions) ?? .defaultLine, ringTimeout: try Input.ringTimeout(ringTimeout)
            )
            for ext in extensions {
                template.extensionNumber = ext
                LineCommand.setPassword(password, of: &template, domain: owner.domain)
                try store.save(template)
            }
            print(count == 1 ? "added line \(first) to tenant \(owner.id)"
                : "added lines \(first)-\(extensions.last!) to tenant \(owner.id)")
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
    /// `count` extensions from `first` up, keeping its width ("0100" → "0100", "0101"…).
    static func consecutive(from first: String, count: Int) throws -> [String] {
        guard let start = Int(first) else { throw CLIError("extension '\(first)' must be digits") }
        let last = String(start + count - 1)
        guard last.count <= 15 else { throw CLIError("extensions from \(first) up to \(last) would pass 15 digits") }
        return (start..<(start + count)).map { n in
            let digits = String(n)
            return digits.count < first.count ? String(repeating: "0", count: first.count - digits.count) + digits : digits
        }
    }

    static func setPassword(_ password: String, of line: inout Line, domain: String) {
        line.ha1MD5 = Digest.ha1(username: line.extensionNumber, realm: domain, password: password, algorithm: .md5)
        line.ha1SHA256 = Digest.ha1(username: line.extensionNumber, realm: domain, password: password, algorithm: .sha256)
    }
}
