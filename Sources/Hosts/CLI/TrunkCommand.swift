import ArgumentParser
import TelefoniaCore

/// `telefonia trunk add|list|change|remove`.
struct TrunkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trunk",
        abstract: "Manage trunks: carrier connections to the public network.",
        subcommands: [Add.self, List.self, Change.self, Remove.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a trunk.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Trunk id, e.g. carrier1.") var id: String
        @Option(help: "Carrier's SIP host name or address.") var host: String
        @Option(help: "Carrier's SIP port.") var port: Int = 5060
        @Option(help: "udp or tcp.") var transport: String = "udp"
        @Option(help: "User name if the carrier challenges our calls.") var username: String?
        @Option(help: "Password if the carrier challenges our calls.") var password: String?
        @Option(help: "Calls at once through the trunk, both ways (the carrier's channels); a call beyond it gets 503.")
        var maxCalls: Int?

        func run() throws {
            let store = try global.openStore()
            let id = try Input.identifier(id, kind: "trunk")
            if try store.trunk(id: id) != nil {
                throw CLIError("trunk \(id) already exists; change it with `telefonia trunk change \(id)`")
            }
            guard (username == nil) == (password == nil) else {
                throw CLIError("give both --username and --password, or neither")
            }
            let trunk = Trunk(
                id: id, host: try Input.host(host), port: try Input.port(port), transport: try Input.transport(transport),
                username: username, password: password, maxCalls: try maxCalls.map(TrunkCommand.maxCalls)
            )
            try store.save(trunk)
            print("added trunk \(id)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List trunks (passwords are not shown).")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let store = try global.openStore()
            var table = TextTable("ID", "HOST", "PORT", "TRANSPORT", "USERNAME", "MAX CALLS")
            for trunk in try store.trunks() {
                table.append([trunk.id, trunk.host, String(trunk.port), trunk.transport, trunk.username ?? "-",
                              trunk.maxCalls.map(String.init) ?? "-"])
            }
            table.print()
        }
    }

    struct Change: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a trunk.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Trunk id.") var id: String
        @Option(help: "Carrier's SIP host name or address.") var host: String?
        @Option(help: "Carrier's SIP port.") var port: Int?
        @Option(help: "udp or tcp.") var transport: String?
        @Option(help: "User name for the carrier's challenges.") var username: String?
        @Option(help: "Password for the carrier's challenges.") var password: String?
        @Flag(help: "Forget the user name and password.") var noCredentials = false
        @Option(help: "Calls at once through the trunk, both ways; 0 removes the limit.") var maxCalls: Int?

        func run() throws {
            let store = try global.openStore()
            guard var trunk = try store.trunk(id: id) else {
                throw CLIError("unknown trunk \(id); see `telefonia trunk list`")
            }
            if let host { trunk.host = try Input.host(host) }
            if let port { trunk.port = try Input.port(port) }
            if let transport { trunk.transport = try Input.transport(transport) }
            if noCredentials {
                guard username == nil && password == nil else {
                    throw CLIError("--no-credentials cannot be combined with --username or --password")
                }
                trunk.username = nil
                trunk.password = nil
            }
            if let maxCalls { trunk.maxCalls = maxCalls == 0 ? nil : try TrunkCommand.maxCalls(maxCalls) }
            if let username { trunk.username = username }
            if let password { trunk.password = password }
            guard (trunk.username == nil) == (trunk.password == nil) else {
                throw CLIError("the trunk needs both a user name and a password, or neither; give the missing one")
            }
            try store.save(trunk)
            print("changed trunk \(id)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a trunk no tenant uses.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Trunk id.") var id: String

        func run() throws {
            let store = try global.openStore()
            guard try store.trunk(id: id) != nil else {
                throw CLIError("unknown trunk \(id); see `telefonia trunk list`")
            }
            let users = try store.tenants().filter { $0.trunkID == id }.map(\.id)
            if !users.isEmpty {
                throw CLIError(
                    "trunk \(id) is used by tenant \(users.joined(separator: ", ")); "
                        + "move them first with `telefonia tenant change ID --trunk OTHER`"
                )
            }
            try store.removeTrunk(id: id)
            print("removed trunk \(id)")
        }
    }

    static func maxCalls(_ value: Int) throws -> Int {
        guard (1...100_000).contains(value) else { throw CLIError("--max-calls must be 1 to 100000, got \(value)") }
        return value
    }
}
