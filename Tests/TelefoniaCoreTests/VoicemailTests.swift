import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing
import TelefoniaCore
import TelefoniaTesting

@Suite struct VoicemailTests {
    let store: MemoryStore
    let boxes: MemoryVoicemailBoxes

    init() throws {
        store = try MemoryStore(
            tenants: [Tenant(id: "acme", domain: "acme.test", name: "Acme")],
            lines: ["201", "202"].map { Line(tenantID: "acme", extensionNumber: $0, ha1MD5: "", ha1SHA256: "") })
        try store.save(LineFeatures(tenantID: "acme", extensionNumber: "201", voicemail: true, voicemailPIN: "4321"))
        boxes = MemoryVoicemailBoxes(store: store)
    }

    /// A busy line's box plays its busy greeting (the tenant's `vm-EXT-ocupado`, else the
    /// default "o ramal está ocupado…"); the line's maximum length cuts a long message.
    @Test func busyGreetingAndMaximumLength() async throws {
        try store.save(LineFeatures(tenantID: "acme", extensionNumber: "201", voicemail: true, voicemailMaxSeconds: 10))
        let deposit = VoicemailDeposit(boxes: boxes) { [store] in try store.lineFeatures(tenantID: $0, extensionNumber: $1).voicemailMaxSeconds }
        let name = VoicemailDepositApplication.name(tenantID: "acme", extensionNumber: "201", reason: .busy)
        #expect(name == "voicemail:acme:201:busy")
        let application = try #require(VoicemailDepositApplication(named: name, caller: "1000", deposit: deposit))
        let channel = ScriptedChannel(tenantID: "acme", script: [.speak(2)])
        channel.missingPrompts = ["vm-201-ocupado"]
        await application.run(on: channel, logger: Logger(label: "test"))
        #expect(channel.prompts.prefix(2) == [Prompts.busyLeaveMessage, Prompts.beep])
        let own = ScriptedChannel(tenantID: "acme", script: [.speak(2)])
        await application.run(on: own, logger: Logger(label: "test"))
        #expect(own.prompts.first == "vm-201-ocupado")
        let recorder = LengthRecordingChannel()
        await deposit.run(tenantID: "acme", extensionNumber: "201", caller: "1000", on: recorder, logger: Logger(label: "test"))
        #expect(recorder.maxSeconds == 10)
        #expect(VoicemailDepositApplication(named: "voicemail:acme:201:loud", caller: "1", deposit: deposit) == nil)
        #expect(CallFlowRules.problem(with: LineFeatures(tenantID: "acme", extensionNumber: "201", voicemailMaxSeconds: 5)) != nil)
    }

    /// The box greets, beeps, keeps what was said, thanks; under a second is not kept.
    @Test func depositKeepsTheMessage() async throws {
        let channel = ScriptedChannel(tenantID: "acme", script: [.speak(2.5)])
        let kept = await VoicemailDeposit(boxes: boxes).run(tenantID: "acme", extensionNumber: "201", caller: "1000",
                                                             on: channel, logger: Logger(label: "test"))
        #expect(kept)
        #expect(channel.prompts == ["vm-201", Prompts.beep, Prompts.messageKept])
        let messages = try boxes.messages(tenantID: "acme", extensionNumber: "201")
        #expect(messages.count == 1 && messages[0].caller == "1000" && messages[0].isNew && abs(messages[0].seconds - 2.5) < 0.01)
        let short = ScriptedChannel(tenantID: "acme", script: [.speak(0.5)])
        #expect(!(await VoicemailDeposit(boxes: boxes).run(tenantID: "acme", extensionNumber: "201", caller: "1000",
                                                             on: short, logger: Logger(label: "test"))))
        #expect(try boxes.messages(tenantID: "acme", extensionNumber: "201").count == 1)
    }

    /// *98: the PIN (a wrong one first), the count, each message with its caller, 7
    /// deletes, 9 keeps it as old.
    @Test func retrievalWithThePIN() async throws {
        for caller in ["1000", "1002"] {
            _ = try boxes.deposit(tenantID: "acme", extensionNumber: "201", caller: caller, audio: [Int16](repeating: 1, count: 8000))
        }
        let channel = ScriptedChannel(tenantID: "acme", script: [.keys("1111"), .keys("4321"), .keys("7"), .keys("9")])
        let pin: @Sendable () throws -> String? = { "4321" }
        let made = VoicemailRetrievalApplication(
            named: VoicemailRetrievalApplication.name(tenantID: "acme", extensionNumber: "201"), pin: pin, boxes: boxes)
        let application = try #require(made)
        await application.run(on: channel, logger: Logger(label: "test"))
        let prompts = channel.prompts
        #expect(prompts.prefix(4) == [Prompts.enterPassword, Prompts.invalidOption, Prompts.enterPassword, Prompts.youHave])
        #expect(prompts.contains(Prompts.messageDeleted))
        #expect(prompts.last == Prompts.noMoreMessages)
        #expect(channel.played.contains(.pcm([Int16](repeating: 1, count: 8000))))
        let left = try boxes.messages(tenantID: "acme", extensionNumber: "201")
        #expect(left.map(\.caller) == ["1002"] && left.allSatisfy { !$0.isNew })
    }

    /// The engine sends what the line does not answer to its box: no answer (ring timer),
    /// busy, unregistered; `*98` is the line's own box.
    @Test func engineRoutesUnansweredCallsToTheBox() throws {
        try store.save(Registration(tenantID: "acme", extensionNumber: "201", contact: "sip:201@10.0.0.1", source: "udp:10.0.0.1:5060",
                                    expiresAt: 4_000_000_000, callID: "r"))
        let engine = CallEngine(store: store, clock: ManualClock())
        func offer(_ id: String, from: String, to: String) -> [CallAction] {
            engine.handle(.offered(CallOffer(callID: CallID(id), origin: .line(tenantID: "acme", extensionNumber: from), caller: from, dialled: to)))
        }
        let box = CallTarget.application(VoicemailDepositApplication.name(tenantID: "acme", extensionNumber: "201"))
        _ = offer("c1", from: "202", to: "201")
        #expect(engine.handle(.timerFired(CallID("c1"), .ring)) == [.cancel(CallID("c1")), .dial(CallID("c1"), box, callerID: "202")])
        _ = offer("c2", from: "202", to: "201")
        // Busy: the box greets with its busy greeting.
        let busyBox = CallTarget.application(VoicemailDepositApplication.name(tenantID: "acme", extensionNumber: "201", reason: .busy))
        #expect(engine.handle(.rejected(CallID("c2"), status: 486)) == [.cancelTimer(CallID("c2"), .ring), .dial(CallID("c2"), busyBox, callerID: "202")])
        _ = engine.handle(.answered(CallID("c2")))
        let end = engine.handle(.hungUp(CallID("c2"), side: .a))
        let cdr = try #require(end.compactMap { if case .record(let cdr, _) = $0 { cdr } else { nil } }.first)
        #expect(cdr.disposition == .answered && cdr.reason.contains("voicemail of 201 (busy)"))
        try store.removeRegistrations(tenantID: "acme", extensionNumber: "201")
        #expect(offer("c3", from: "202", to: "201").contains(.dial(CallID("c3"), box, callerID: "202")))
        #expect(offer("c4", from: "201", to: "*98").contains {
            if case .dial(_, .application("voicemail-retrieve:acme:201"), _) = $0 { true } else { false }
        })
    }
}

/// A channel that notes the maximum length it was asked to record.
private final class LengthRecordingChannel: CallChannel, @unchecked Sendable {
    let tenantID = "acme"
    var maxSeconds: Int?
    var isUp: Bool { true }
    func play(_ audio: AudioSource, bargeIn: Bool) async throws -> Character? { nil }
    func playLoop(_ audio: AudioSource) async throws {}
    func stop() {}
    func collectDigits(_ options: DigitCollection) async throws -> String { "" }
    func record(_ options: RecordingOptions) async throws -> RecordedAudio {
        maxSeconds = options.maxSeconds
        return RecordedAudio(samples: [], ending: .silence)
    }
    func bridge(to other: any CallChannel) async throws {}
    func hangUp() async {}
}
