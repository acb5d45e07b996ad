import ArgumentParser
import Logging
import TelefoniaCore
import TelefoniaStorage

/// `telefonia settings show|set`: a tenant's general settings (P6).
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "A tenant's general settings: the listening line, the web-phone line (rows per page: `telefonia report page-size`).",
        subcommands: [Show.self, Set.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a tenant's general settings.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String

        func run() throws {
            let store = try SQLStore(url: global.databasePath, logger: Logger(label: "telefonia.cli"))
            let owner = try TenantCommand.existing(tenant, store: store)
            let settings = try store.tenantSettings(tenantID: owner.id)
            print("listening line: \(settings.listeningLine ?? "-")")
            print("web-phone line: \(settings.webPhoneLine ?? "-")")
            print("rows per report page: \(try store.reportPageSize(tenantID: owner.id))")
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a tenant's general settings.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Option(help: "The line that listens to agents' calls from the supervisor console; '-' for none.") var listeningLine: String?
        @Option(help: "The line the panel's web phone uses; '-' for none.") var webPhoneLine: String?

        func run() throws {
            let store = try SQLStore(url: global.databasePath, logger: Logger(label: "telefonia.cli"))
            let owner = try TenantCommand.existing(tenant, store: store)
            var settings = try store.tenantSettings(tenantID: owner.id)
            if let listeningLine { settings.listeningLine = listeningLine == "-" ? nil : listeningLine }
            if let webPhoneLine { settings.webPhoneLine = webPhoneLine == "-" ? nil : webPhoneLine }
            try store.save(settings)
            print("settings of tenant \(owner.id) changed")
        }
    }
}
