import ArgumentParser
import Foundation
import TelefoniaCore

/// `telefonia recordings`: a tenant's call recordings (R8).
struct RecordingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recordings", abstract: "List call recordings (two-channel WAV: caller left, callee right)."
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: "Tenant id.") var tenant: String
    @Option(help: "Only recordings whose from or to number contains this.") var number: String?
    @Flag(help: "CSV instead of a table.") var csv = false

    func run() throws {
        let store = try global.openRecordingStore()
        _ = try TenantCommand.existing(tenant, store: store)
        let rows = try store.recordings(tenantID: tenant, from: nil, to: nil, number: number)
        if csv {
            var text = "call,line,from,to,start,duration_seconds,size_bytes,path\r\n"
            for r in rows {
                text += [r.callID, r.line ?? "", r.from, r.to, CDRCSV.iso8601(millis: r.startedAt), String(r.durationSeconds),
                         String(r.sizeBytes), r.path].map(CDRCSV.quoted).joined(separator: ",") + "\r\n"
            }
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        var table = TextTable("START", "LINE", "FROM", "TO", "DURATION", "SIZE", "FILE")
        for r in rows {
            table.append([CDRCSV.iso8601(millis: r.startedAt), r.line ?? "-", r.from, r.to, "\(r.durationSeconds) s",
                          "\(r.sizeBytes) B", r.path])
        }
        table.print()
    }
}
