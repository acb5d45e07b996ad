import ArgumentParser
import Foundation
import TelefoniaCore

/// `telefonia calls`: calls in progress, as the running server last wrote them (L1).
struct CallsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls", abstract: "List calls in progress (the server refreshes them every second)."
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this tenant's.") var tenant: String?

    func run() throws {
        let store = try global.openLiveStore()
        if let tenant { _ = try TenantCommand.existing(tenant, store: store) }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let (calls, updatedAt) = try store.liveCalls(tenantID: tenant)
        var table = TextTable("TENANT", "LINE", "DIRECTION", "FROM", "TO", "CLASS", "STATE", "DURATION")
        for call in calls {
            let seconds = call.elapsedSeconds(now: now)
            table.append([
                call.tenantID, call.line ?? "-", call.direction.rawValue, call.caller, call.normalized,
                call.numberClass?.rawValue ?? "-", call.state.rawValue,
                String(format: "%d:%02d", seconds / 60, seconds % 60),
            ])
        }
        table.print()
        if let updatedAt, now - updatedAt > 15_000 {
            FileHandle.standardError.write(Data(
                "warning: the server last updated this view \((now - updatedAt) / 1000) s ago; is it running?\n".utf8))
        } else if updatedAt == nil {
            FileHandle.standardError.write(Data("warning: no server has written this view yet\n".utf8))
        }
    }
}
