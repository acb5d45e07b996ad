import Foundation
import Logging
import NIOCore
import TelefoniaCore

/// Call recording (T2): a tap on the call's relay writes both directions to a
/// two-channel WAV under `<data.dir>/recordings/<tenant>/<yyyy-mm-dd>/<call>.wav`; its
/// row is written at the start (a crash leaves a findable file) and completed at the
/// end, on the storage thread.
final class CallRecordings {
    private let context: SignallingContext

    init(context: SignallingContext) {
        self.context = context
    }

    func start(_ call: B2BCall, tenantID: String, line: String?) {
        guard let relay = call.relaySession, call.recorder == nil else { return }
        let now = context.clock.nowMillis()
        let day = String(CDRCSV.iso8601(millis: now).prefix(10))
        do {
            let recordings = context.configuration.recordingsFolder
            let url = try Tenant.folder(under: recordings, tenantID: tenantID).appendingPathComponent(day)
                .appendingPathComponent(call.id.rawValue + ".wav")
            let recorder = try CallRecorder(url: url, logger: context.logger)
            relay.add(tap: recorder)
            call.recorder = recorder
            let row = Recording(
                callID: call.id.rawValue, tenantID: tenantID, line: line, from: call.aInvite.from.uri.user ?? "",
                to: call.aInvite.requestURI?.user ?? "", startedAt: now, durationSeconds: 0, sizeBytes: 0, path: url.path)
            call.recording = row
            save(row, what: "recording row not written")
        } catch {
            context.logger.error("recording not started", metadata: ["tel.call_id": "\(call.id)", "error": "\(error)"])
        }
    }

    /// Closes the recording of a finished call and records its length and size.
    func finish(_ call: B2BCall) {
        guard let recorder = call.recorder, var row = call.recording else { return }
        call.relaySession?.remove(tap: recorder)
        call.recorder = nil
        let (seconds, bytes) = recorder.finish()
        row.durationSeconds = seconds
        row.sizeBytes = bytes
        save(row, what: "recording row not updated")
    }

    private func save(_ row: Recording, what: String) {
        let logger = context.logger
        context.storage.submit(on: context.loop) { store in try store.save(row) }.whenFailure { error in
            logger.error("\(what)", metadata: ["tel.call_id": "\(row.callID)", "error": "\(error)"])
        }
    }
}
