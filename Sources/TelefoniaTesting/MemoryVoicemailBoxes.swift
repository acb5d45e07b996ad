import Foundation
import TelefoniaCore

/// Voicemail boxes in memory: rows in a `MemoryStore`, audio in a dictionary; for tests
/// and the simulator.
public final class MemoryVoicemailBoxes: VoicemailBoxes, @unchecked Sendable {
    public let store: MemoryStore
    private let clock: (any WallClock)?
    private let lock = NSLock()
    private var audio: [String: [Int16]] = [:]
    private var next = 0

    /// Messages are stamped with `clock`'s time, or with their number when there is none.
    public init(store: MemoryStore, clock: (any WallClock)? = nil) {
        self.store = store
        self.clock = clock
    }

    public func deposit(tenantID: String, extensionNumber: String, caller: String, audio samples: [Int16]) throws -> VoicemailMessage {
        let number = lock.withLock { () -> Int in
            next += 1
            return next
        }
        let message = VoicemailMessage(id: "m\(number)", tenantID: tenantID, extensionNumber: extensionNumber, caller: caller,
                                       receivedAt: clock?.nowMillis() ?? Int64(number), seconds: Double(samples.count) / 8000)
        lock.withLock { audio[message.id] = samples }
        try store.save(message)
        return message
    }

    public func messages(tenantID: String, extensionNumber: String) throws -> [VoicemailMessage] {
        try store.voicemailMessages(tenantID: tenantID, extensionNumber: extensionNumber)
    }

    public func audio(of message: VoicemailMessage) throws -> [Int16] { lock.withLock { audio[message.id] ?? [] } }

    public func keep(_ message: VoicemailMessage) throws {
        var old = message
        old.isNew = false
        try store.save(old)
    }

    public func delete(_ message: VoicemailMessage) throws { try store.removeVoicemailMessage(id: message.id) }
}
