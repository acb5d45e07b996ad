import ArgumentParser
import Foundation
import HummingbirdBcrypt
import Logging
import TelefoniaCore
import TelefoniaStorage

/// `telefonia user add|list|password|remove`: the web panel's users (P1, P3), and
/// `telefonia audit`: its log (P8).
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage the web panel's users: the operator, tenants' administrators and users with per-menu permissions.",
        subcommands: [Add.self, List.self, Password.self, Remove.self]
    )

    /// bcrypt's cost, as the panel's.
    static let cost: UInt8 = 11

    static func store(_ global: GlobalOptions) throws -> SQLStore {
        try SQLStore(url: global.databasePath, logger: Logger(label: "telefonia.cli"))
    }

    static func password(_ text: String) throws -> String {
        let password = try Input.password(text)
        guard (10...128).contains(password.count) else { throw CLIError("the password must be 10 to 128 characters") }
        return password
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a panel user.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "User name (what the login form asks).") var name: String
        @Option(help: "The tenant whose panel it is (none: an operator).") var tenant: String?
        @Option(help: "operator, admin or user.") var role: String = "user"
        @Option(help: "For role user: feature=view|change, comma separated (lines, dids, audio, rooms, reports, recordings, calls, ivr, groups, queues, campaigns, users, settings, audit, listen).")
        var permissions: String = ""
        @Option(help: "Password; \"-\" reads it from standard input.") var password: String

        func run() throws {
            let store = try UserCommand.store(global)
            guard let role = PanelUser.Role(rawValue: role) else { throw CLIError("role must be operator, admin or user") }
            guard let grants = PanelPermissions(text: permissions) else { throw CLIError("unreadable permissions '\(permissions)'") }
            if let tenant { _ = try TenantCommand.existing(tenant, store: store) }
            guard try store.panelUser(username: name) == nil else { throw CLIError("user name \(name) is taken") }
            let user = PanelUser(username: name, tenantID: tenant, role: role, permissions: grants,
                                 passwordHash: Bcrypt.hash(try UserCommand.password(password), cost: UserCommand.cost),
                                 createdAt: Int64(Date().timeIntervalSince1970 * 1000))
            try store.save(user)
            print("added panel user \(name) (\(role.rawValue)\(tenant.map { " of tenant \($0)" } ?? ""))")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's panel users, or the operators.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Tenant id (none: the operators).") var tenant: String?

        func run() throws {
            let store = try UserCommand.store(global)
            var table = TextTable("USER", "TENANT", "ROLE", "PERMISSIONS", "DISABLED")
            for user in try store.panelUsers(tenantID: tenant) {
                table.append([user.username, user.tenantID ?? "-", user.role.rawValue, user.permissions.text.isEmpty ? "-" : user.permissions.text,
                              user.disabled ? "yes" : "no"])
            }
            table.print()
        }
    }

    struct Password: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a panel user's password (its sessions end).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "User name.") var name: String
        @Option(help: "New password; \"-\" reads it from standard input.") var password: String

        func run() throws {
            let store = try UserCommand.store(global)
            guard var user = try store.panelUser(username: name) else { throw CLIError("no panel user \(name)") }
            user.passwordHash = Bcrypt.hash(try UserCommand.password(password), cost: UserCommand.cost)
            try store.save(user)
            try store.removePanelSessions(username: name)
            print("password of \(name) changed")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a panel user (its sessions end).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "User name.") var name: String

        func run() throws {
            try UserCommand.store(global).removePanelUser(username: name)
            print("removed panel user \(name)")
        }
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The panel's audit log (P8), newest first.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this tenant's entries.") var tenant: String?
    @Option(help: "Only this user's.") var user: String?
    @Option(help: "Only this action (login, line.create…).") var action: String?
    @Option(help: "How many.") var limit: Int = 50

    func run() throws {
        let store = try UserCommand.store(global)
        guard (1...100_000).contains(limit) else { throw CLIError("--limit must be 1 to 100000") }
        var table = TextTable("WHEN", "TENANT", "USER", "ACTION", "OBJECT", "FROM", "OUTCOME", "DETAIL")
        let format = ISO8601DateFormatter()
        for entry in try store.audit(tenantID: tenant, user: user, action: action, since: nil, until: nil, limit: limit, offset: 0) {
            table.append([format.string(from: Date(timeIntervalSince1970: Double(entry.at) / 1000)), entry.tenantID ?? "-", entry.user,
                          entry.action, entry.object, entry.sourceIP, entry.outcome.rawValue, entry.detail])
        }
        table.print()
    }
}
