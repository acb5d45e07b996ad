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
        var table = TextTable("TENANT", "EXTENSION", "CONTACT", "SOURCE", "EXPIRES IN", "STATE", "LATENCY", "USER AGENT")
        for registration in try store.registrations(tenantID: tenant) {
            table.append([
                registration.tenantID, registration.extensionNumber, registration.contact, registration.source,
                Self.remaining(registration.expiresAt - now), Self.state(registration, now: now),
                Self.latency(registration), registration.userAgent ?? "-",
            ])
        }
        table.print()
    }

    /// "online" when the phone answered a keep-alive in the last 90 s (the server
    /// probes every 30 s), "no reply" when it did not, "registered" before the first probe.
    static func state(_ registration: Registration, now: Int64) -> String {
        guard registration.expiresAt > now else { return "expired" }
        guard let last = registration.lastReplyAt else { return "registered" }
        return now - last / 1000 <= 90 ? "online" : "no reply"
    }

    /// "12 ms", "250 ms (high)" above 100 ms (L2), "-" before the first probe.
    static func latency(_ registration: Registration) -> String {
        guard let ms = registration.latencyMs else { return "-" }
        return ms > Registration.highLatencyMs ? "\(ms) ms (high)" : "\(ms) ms"
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
