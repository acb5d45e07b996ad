import Foundation
import TelefoniaCore
import TelefoniaMedia

/// Voicemail boxes (T5) over the store (rows) and `<data.dir>/voicemail/<tenant>/<ext>/<id>.wav`
/// (the audio, 8 kHz mono; written before the row, so a row always has its file).
struct FileVoicemailBoxes: VoicemailBoxes {
    let store: any PBXStore
    let folder: URL
    let clock: any WallClock
    /// Called after a message was left, kept or deleted (message-waiting NOTIFYs).
    let changed: @Sendable (_ tenantID: String, _ extensionNumber: String) -> Void

    private func file(_ tenantID: String, _ ext: String, _ id: String) throws -> URL {
        try Self.file(under: folder, tenantID, ext, id)
    }

    /// Where a message's audio is: `<folder>/<tenant>/<ext>/<id>.wav` (`VoicemailMessage.file`).
    static func file(under folder: URL, _ tenantID: String, _ ext: String, _ id: String) throws -> URL {
        try VoicemailMessage.file(under: folder, tenantID: tenantID, extensionNumber: ext, id: id)
    }

    func deposit(tenantID: String, extensionNumber: String, caller: String, audio: [Int16]) throws -> VoicemailMessage {
        let message = VoicemailMessage(
            id: SignallingContext.randomHex(12), tenantID: tenantID, extensionNumber: extensionNumber, caller: caller,
            receivedAt: clock.nowMillis(), seconds: Double(audio.count) / 8000)
        let url = try file(tenantID, extensionNumber, message.id)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        do {
            let writer = try WAVWriter(url: url, durable: true)
            try writer.write(audio)
            try writer.close()
        } catch {
            throw StoreError(.io, "voicemail audio not written: \(error)")
        }
        try store.save(message)
        changed(tenantID, extensionNumber)
        return message
    }

    func messages(tenantID: String, extensionNumber: String) throws -> [VoicemailMessage] {
        try store.voicemailMessages(tenantID: tenantID, extensionNumber: extensionNumber)
    }

    func audio(of message: VoicemailMessage) throws -> [Int16] {
        let url = try file(message.tenantID, message.extensionNumber, message.id)
        do {
            return try AudioDecoder.decode(Array(try Data(contentsOf: url))).samples
        } catch {
            throw StoreError(.io, "voicemail audio unreadable: \(error)")
        }
    }

    func keep(_ message: VoicemailMessage) throws {
        var heard = message
        heard.isNew = false
        try store.save(heard)
        changed(message.tenantID, message.extensionNumber)
    }

    func delete(_ message: VoicemailMessage) throws {
        try store.removeVoicemailMessage(id: message.id)
        try? FileManager.default.removeItem(at: try file(message.tenantID, message.extensionNumber, message.id))
        changed(message.tenantID, message.extensionNumber)
    }
}
