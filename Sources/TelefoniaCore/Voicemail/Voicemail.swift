import Foundation
import Logging

/// A message left in a line's voicemail box (T5).
public struct VoicemailMessage: Sendable, Equatable, Codable {
    public var id: String
    public var tenantID: String
    public var extensionNumber: String
    /// Who left it (the caller's number as presented).
    public var caller: String
    /// Unix ms.
    public var receivedAt: Int64
    public var seconds: Double
    /// Not listened to yet.
    public var isNew: Bool

    public init(id: String, tenantID: String, extensionNumber: String, caller: String, receivedAt: Int64, seconds: Double,
                isNew: Bool = true) {
        self.id = id
        self.tenantID = tenantID
        self.extensionNumber = extensionNumber
        self.caller = caller
        self.receivedAt = receivedAt
        self.seconds = seconds
        self.isNew = isNew
    }

    /// Where a message's audio is: `<folder>/<tenant>/<ext>/<id>.wav` — the one rule the
    /// server (writing) and the panel (playing, deleting) share; an id or extension that
    /// is not a plain path element is refused.
    public static func file(under folder: URL, tenantID: String, extensionNumber: String, id: String) throws -> URL {
        guard Line.isValidExtension(extensionNumber), !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw StoreError(.invalid, "bad voicemail path")
        }
        return try Tenant.folder(under: folder, tenantID: tenantID).appendingPathComponent(extensionNumber, isDirectory: true)
            .appendingPathComponent(id + ".wav")
    }
}

/// Where voicemail lives: rows in the store, audio wherever the host keeps files.
/// The server implements it over its store and its data folder.
public protocol VoicemailBoxes: Sendable {
    /// Keeps a new message with its audio (8 kHz mono PCM).
    func deposit(tenantID: String, extensionNumber: String, caller: String, audio: [Int16]) throws -> VoicemailMessage
    /// The line's messages, new ones first, each group oldest first.
    func messages(tenantID: String, extensionNumber: String) throws -> [VoicemailMessage]
    func audio(of message: VoicemailMessage) throws -> [Int16]
    /// Marks a message listened to (kept as old).
    func keep(_ message: VoicemailMessage) throws
    func delete(_ message: VoicemailMessage) throws
}

/// The voicemail box's side of a call (T5): the line's greeting — its busy one when the
/// line was busy (the tenant's audio `vm-<ext>-ocupado`, else "o ramal está ocupado,
/// deixe sua mensagem após o sinal"), its unavailable one otherwise (`vm-<ext>`, else
/// "deixe sua mensagem após o sinal") — the beep, then what the caller says until `#`,
/// 4 s of silence or the line's maximum length (`LineFeatures.voicemailMaxSeconds`;
/// hanging up keeps it too); a message under a second is not kept.
public struct VoicemailDeposit: Sendable {
    public let boxes: any VoicemailBoxes
    /// The longest message a line's box takes, by line; nil or a failed read: the default.
    private let maxSeconds: @Sendable (_ tenantID: String, _ extensionNumber: String) throws -> Int?

    /// Why the call reached the box, which picks the greeting.
    public enum Reason: String, Sendable {
        case busy
        case unavailable
    }

    public init(boxes: any VoicemailBoxes,
                maxSeconds: @escaping @Sendable (_ tenantID: String, _ extensionNumber: String) throws -> Int? = { _, _ in nil }) {
        self.boxes = boxes
        self.maxSeconds = maxSeconds
    }

    /// The greeting a line's box plays when unavailable: the tenant's audio file `vm-EXT` if any.
    public static func greeting(extensionNumber: String) -> String { "vm-" + extensionNumber }
    /// The greeting a line's box plays when the line is busy: the tenant's audio file `vm-EXT-ocupado` if any.
    public static func busyGreeting(extensionNumber: String) -> String { "vm-" + extensionNumber + "-ocupado" }

    /// Runs on `channel`; true when a message was kept.
    @discardableResult
    public func run(tenantID: String, extensionNumber: String, caller: String, reason: Reason = .unavailable,
                    on channel: any CallChannel, logger: Logger) async -> Bool {
        let limit = ((try? maxSeconds(tenantID, extensionNumber)) ?? nil) ?? LineFeatures.defaultVoicemailMaxSeconds
        do {
            do {
                let own = reason == .busy ? Self.busyGreeting(extensionNumber: extensionNumber) : Self.greeting(extensionNumber: extensionNumber)
                try await channel.play(.prompt(own), bargeIn: false)
            } catch ChannelError.unknownPrompt {
                try await channel.play(.prompt(reason == .busy ? Prompts.busyLeaveMessage : Prompts.leaveMessage), bargeIn: false)
            }
            try await channel.beep()
        } catch {
            return false
        }
        let recorded: RecordedAudio
        do {
            recorded = try await channel.record(RecordingOptions(maxSeconds: limit, stopOnPound: true, silenceSeconds: 4))
        } catch {
            return false
        }
        guard recorded.seconds >= 1 else { return false }
        do {
            let message = try boxes.deposit(tenantID: tenantID, extensionNumber: extensionNumber, caller: caller, audio: recorded.samples)
            logger.info("voicemail left", metadata: ["tel.tenant": "\(tenantID)", "line": "\(extensionNumber)", "id": "\(message.id)"])
        } catch {
            logger.error("voicemail not kept", metadata: ["line": "\(extensionNumber)", "error": "\(error)"])
            return false
        }
        if recorded.ending != .hangUp {
            _ = try? await channel.play(.prompt(Prompts.messageKept), bargeIn: false)
            _ = try? await channel.play(.silence(milliseconds: 300), bargeIn: false)
        }
        return true
    }
}

/// A call that goes to a line's voicemail box (the engine's
/// "voicemail:<tenant>:<ext>[:busy]").
public struct VoicemailDepositApplication: CallApplication {
    public let name: String
    let deposit: VoicemailDeposit
    let tenantID: String
    let extensionNumber: String
    let caller: String
    let reason: VoicemailDeposit.Reason

    public static let prefix = "voicemail:"

    public static func name(tenantID: String, extensionNumber: String, reason: VoicemailDeposit.Reason = .unavailable) -> String {
        prefix + tenantID + ":" + extensionNumber + (reason == .busy ? ":busy" : "")
    }

    /// The application for an engine's name; nil for other names.
    public init?(named name: String, caller: String, deposit: VoicemailDeposit) {
        guard name.hasPrefix(Self.prefix) else { return nil }
        let parts = name.dropFirst(Self.prefix.count).split(separator: ":").map(String.init)
        guard parts.count == 2 || (parts.count == 3 && parts[2] == "busy"), Line.isValidExtension(parts[1]) else { return nil }
        self.name = name
        self.tenantID = parts[0]
        self.extensionNumber = parts[1]
        self.reason = parts.count == 3 ? .busy : .unavailable
        self.caller = caller
        self.deposit = deposit
    }

    public func run(on channel: any CallChannel, logger: Logger) async {
        await deposit.run(tenantID: tenantID, extensionNumber: extensionNumber, caller: caller, reason: reason, on: channel,
                          logger: logger)
    }
}

/// A line listening to its own voicemail (`*98`, T5): the PIN then `#` (three tries),
/// "você tem N mensagens novas", then each message, new first: "mensagem de" and the
/// caller's number, when it came ("recebida em cinco de dezembro às dez horas e trinta
/// minutos", São Paulo time), the message, "7 para apagar, 9 para guardar". A message heard is
/// kept as old unless 7 deletes it.
public struct VoicemailRetrievalApplication: CallApplication {
    public let name: String
    let tenantID: String
    let extensionNumber: String
    let pin: @Sendable () throws -> String?
    let boxes: any VoicemailBoxes

    public static let prefix = "voicemail-retrieve:"
    public static let code = "*98"

    public static func name(tenantID: String, extensionNumber: String) -> String { prefix + tenantID + ":" + extensionNumber }

    public init?(named name: String, pin: @escaping @Sendable () throws -> String?, boxes: any VoicemailBoxes) {
        guard name.hasPrefix(Self.prefix) else { return nil }
        let parts = name.dropFirst(Self.prefix.count).split(separator: ":").map(String.init)
        guard parts.count == 2 else { return nil }
        self.name = name
        self.tenantID = parts[0]
        self.extensionNumber = parts[1]
        self.pin = pin
        self.boxes = boxes
    }

    public func run(on channel: any CallChannel, logger: Logger) async {
        do {
            guard let expected = try pin(), !expected.isEmpty else {
                try await channel.play(.prompt(Prompts.unavailable), bargeIn: false)
                return
            }
            var granted = false
            for _ in 0..<3 where !granted {
                try await channel.play(.prompt(Prompts.enterPassword), bargeIn: true)
                let entered = try await channel.collectDigits(DigitCollection(maxDigits: 12, firstDigitTimeout: 8000, interDigitTimeout: 4000))
                granted = entered == expected
                if !granted { try await channel.play(.prompt(Prompts.invalidOption), bargeIn: false) }
            }
            guard granted else {
                logger.warning("voicemail PIN refused", metadata: ["tel.tenant": "\(tenantID)", "line": "\(extensionNumber)"])
                return
            }
            let messages = try boxes.messages(tenantID: tenantID, extensionNumber: extensionNumber)
            try await channel.play(.prompt(Prompts.youHave), bargeIn: false)
            try await channel.say(number: messages.filter(\.isNew).count)
            try await channel.play(.prompt(Prompts.newMessages), bargeIn: false)
            for message in messages {
                try await channel.play(.prompt(Prompts.messageFrom), bargeIn: false)
                try await channel.say(digits: message.caller.filter(\.isNumber))
                let local = LocalTime(millis: message.receivedAt, timeZone: TimeProfile.defaultTimeZone)
                try await channel.say(prompts: PortugueseSpeech.receivedAt(
                    day: local.date.day, month: local.date.month, hour: local.minuteOfDay / 60, minute: local.minuteOfDay % 60))
                try await channel.play(.pcm(try boxes.audio(of: message)), bargeIn: false)
                try await channel.play(.prompt(Prompts.deleteOrKeep), bargeIn: true)
                let key = try await channel.collectDigits(DigitCollection(maxDigits: 1, firstDigitTimeout: 5000, interDigitTimeout: 1000))
                if key == "7" {
                    try boxes.delete(message)
                    try await channel.play(.prompt(Prompts.messageDeleted), bargeIn: false)
                } else {
                    try boxes.keep(message)
                }
            }
            try await channel.play(.prompt(Prompts.noMoreMessages), bargeIn: false)
            _ = try? await channel.play(.silence(milliseconds: 300), bargeIn: false)
        } catch {
            logger.debug("voicemail retrieval ended", metadata: ["reason": "\(error)"])
        }
    }
}
