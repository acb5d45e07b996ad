import ArgumentParser
import Foundation
import TelefoniaCore

/// `telefonia registrations`: where the phones of each line are.
struct RegistrationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registrations", abstract: "List phone registrations (contact bindings)."
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this tenant's.") var tenant: String?

    func run() throws {
        let store = try global.openStore()
        if let tenant { _ = try TenantCommand.existing(tenant, store: store) }
        let now = Int64(Date().timeIntervalSince1970)
        var table = TextTable("TENANT", "EXTENSION", "CONTACT", "SOURCE", "EXPIRES IN", "USER AGENT")
        for registration in try store.registrations(tenantID: tenant) {
            table.append([
                registration.tenantID, registration.extensionNumber, registration.contact, registration.source,
                Self.remaining(registration.expiresAt - now), registration.userAgent ?? "-",
            ])
        }
        table.print()
    }

    /// "1h05m", "4m30s", "59s" or "expired".
    static func remaining(_ seconds: Int64) -> String {
        if seconds <= 0 { return "expired" }
        if seconds >= 3600 { return "\(seconds / 3600)h" + twoDigits(seconds / 60 % 60) + "m" }
        if seconds >= 60 { return "\(seconds / 60)m" + twoDigits(seconds % 60) + "s" }
        return "\(seconds)s"
    }

    private static func twoDigits(_ value: Int64) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
