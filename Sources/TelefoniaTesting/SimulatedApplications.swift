import Logging
import TelefoniaCore

/// The server's side of application calls in a `Simulation`: the core's own
/// applications — IVRs (with their time profiles, call groups and voicemail behind
/// them), voicemail deposit and retrieval, feature codes — run unchanged on a
/// `ScriptedChannel` playing the caller (its keys, silences, speech, hang-up). Lines an
/// application rings answer as their simulated phones do.
///
/// Each application call runs to its end on a clock of its own starting at the call's
/// answer, so it never blocks the shared timeline; the simulation then schedules the
/// hang-up at the time the application took. Legs an application places are its own
/// (as on the server): they make no CDR of their own.
public final class SimulatedApplications: @unchecked Sendable {
    /// What an application call did.
    public struct Run: Sendable {
        /// How long it lasted, from the answer.
        public var millis: Int64
        /// Who ended it: `.a` the caller, `.b` the server.
        public var endedBy: LegSide
        /// What happened (ms from the answer, text), for the timeline.
        public var notes: [(millis: Int64, text: String)]
    }

    public let store: MemoryStore
    public let voicemail: MemoryVoicemailBoxes
    private var phones: [String: SimulatedPhone] = [:]
    private var random: SeededRandom
    /// Applications log as on the server; a simulation prints its timeline instead.
    private let logger = Logger(label: "telefonia.sim", factory: { _ in SwiftLogNoOpLogHandler() })

    public init(store: MemoryStore, clock: any WallClock, seed: UInt64 = 0) {
        self.store = store
        self.voicemail = MemoryVoicemailBoxes(store: store, clock: clock)
        self.random = SeededRandom(seed: seed &+ 0x5151)
    }

    /// The phone behind a line, for the lines applications ring.
    public func add(_ phone: SimulatedPhone) {
        phones[phone.lineID] = phone
    }

    /// Whether `name` (an engine `.application` target) is one this host runs; pickup is the simulation's own.
    public func runs(_ name: String) -> Bool {
        name.hasPrefix(IVRDialling.applicationPrefix) || IVRDialling.group(inApplication: name) != nil
            || name.hasPrefix(FeatureCodes.applicationPrefix)
            || name.hasPrefix(VoicemailDepositApplication.prefix) || name.hasPrefix(VoicemailRetrievalApplication.prefix)
    }

    /// Runs application `name` answered at `startMillis` for call `callID` of `caller`
    /// (a line of `tenantID`, or a public number), the caller doing `script`, and
    /// talking `talkMillis` to a line it is connected to.
    public func run(_ name: String, callID: String, tenantID: String, caller: String, script: [ScriptedChannel.Caller],
                    talkMillis: Int64, startMillis: Int64) async -> Run {
        let clock = ManualClock(startMillis: startMillis)
        let channel = ScriptedChannel(tenantID: tenantID, script: script, clock: clock)
        let notes = NoteBook(clock: clock)
        let ringer = SimulatedRinger(phones: phones, store: store, clock: clock, talkMillis: talkMillis,
                                     seed: random.next(), notes: notes)
        let boxes = SimulatedBoxes(inner: voicemail, clock: clock)
        let application: (any CallApplication)?
        if let menu = IVRDialling.menu(inApplication: name) {
            application = ivr(tenantID: menu.tenantID, start: .menu(menu.number), callID: callID, caller: caller,
                              ringer: ringer, boxes: boxes, clock: clock)
        } else if let group = IVRDialling.group(inApplication: name) {
            application = ivr(tenantID: group.tenantID, start: .group(group.name), callID: callID, caller: caller,
                              ringer: ringer, boxes: boxes, clock: clock)
        } else if let deposit = VoicemailDepositApplication(named: name, caller: caller, deposit: deposit(boxes)) {
            application = deposit
        } else if let retrieval = VoicemailRetrievalApplication(
            named: name, pin: { [store] in try store.lineFeatures(tenantID: tenantID, extensionNumber: caller).voicemailPIN },
            boxes: boxes) {
            application = retrieval
        } else {
            application = FeatureCodeApplication(named: name, store: store)
        }
        guard let application else {
            return Run(millis: 0, endedBy: .b, notes: [(0, "no application \(name)")])
        }
        await application.run(on: channel, logger: logger)
        let endedBy: LegSide = channel.isUp ? .b : .a
        return Run(millis: clock.nowMillis() - startMillis, endedBy: endedBy, notes: notes.lines)
    }

    private func deposit(_ boxes: SimulatedBoxes) -> VoicemailDeposit {
        VoicemailDeposit(boxes: boxes) { [store] in try store.lineFeatures(tenantID: $0, extensionNumber: $1).voicemailMaxSeconds }
    }

    private func ivr(tenantID: String, start: IVRDestination, callID: String, caller: String, ringer: SimulatedRinger,
                     boxes: SimulatedBoxes, clock: ManualClock) -> IVRApplication {
        let store = self.store
        let delivery = CallDelivery(groups: { try store.callGroup(tenantID: $0, name: $1) }, ringer: ringer,
                                    voicemail: deposit(boxes), logger: logger)
        return IVRApplication(tenantID: tenantID, start: start, callID: callID, caller: caller,
                              directory: StoreIVRDirectory(store: store), connector: delivery,
                              journal: StoreJournal(store: store), clock: clock)
    }
}

/// Notes an application run leaves for the timeline, with when (ms from its start).
private final class NoteBook: @unchecked Sendable {
    let clock: ManualClock
    let start: Int64
    var lines: [(millis: Int64, text: String)] = []

    init(clock: ManualClock) {
        self.clock = clock
        self.start = clock.nowMillis()
    }

    func note(_ text: String) { lines.append((clock.nowMillis() - start, text)) }
}

/// Visits go straight to the memory store.
private struct StoreJournal: IVRJournal {
    let store: MemoryStore
    func record(_ visit: IVRVisit) { try? store.record(visit) }
}

/// Messages stamped with the application's own clock.
private struct SimulatedBoxes: VoicemailBoxes {
    let inner: MemoryVoicemailBoxes
    let clock: ManualClock

    func deposit(tenantID: String, extensionNumber: String, caller: String, audio: [Int16]) throws -> VoicemailMessage {
        var message = try inner.deposit(tenantID: tenantID, extensionNumber: extensionNumber, caller: caller, audio: audio)
        message.receivedAt = clock.nowMillis()
        try inner.store.save(message)
        return message
    }

    func messages(tenantID: String, extensionNumber: String) throws -> [VoicemailMessage] {
        try inner.messages(tenantID: tenantID, extensionNumber: extensionNumber)
    }

    func audio(of message: VoicemailMessage) throws -> [Int16] { try inner.audio(of: message) }
    func keep(_ message: VoicemailMessage) throws { try inner.keep(message) }
    func delete(_ message: VoicemailMessage) throws { try inner.delete(message) }
}

/// Rings simulated phones for an application: the first that answers within the ring
/// time takes the call and talks `talkMillis` (or less, when its phone hangs up first).
private final class SimulatedRinger: LineRinger, @unchecked Sendable {
    let phones: [String: SimulatedPhone]
    let store: MemoryStore
    let clock: ManualClock
    let talkMillis: Int64
    var random: SeededRandom
    let notes: NoteBook

    init(phones: [String: SimulatedPhone], store: MemoryStore, clock: ManualClock, talkMillis: Int64, seed: UInt64, notes: NoteBook) {
        self.phones = phones
        self.store = store
        self.clock = clock
        self.talkMillis = talkMillis
        self.random = SeededRandom(seed: seed)
        self.notes = notes
    }

    func ring(_ extensions: [String], tenantID: String, caller: String, seconds: Int?, on channel: any CallChannel) async
        -> IVRConnectOutcome {
        let named = extensions.joined(separator: ", ")
        let ringTime = Int64(seconds ?? ((try? store.line(tenantID: tenantID, extensionNumber: extensions.first ?? ""))??.ringTimeout ?? 30)) * 1000
        var answer: (ext: String, after: Int64, hangsUpAfter: Int64?)?
        var busy = false
        for ext in extensions {
            guard let phone = phones["\(tenantID)/\(ext)"] else { continue }
            switch phone.behaviour {
            case .answers(let after, let hangsUpAfter):
                let millis = after.millis(using: &random)
                if millis < ringTime, millis < answer?.after ?? .max {
                    answer = (ext, millis, hangsUpAfter?.millis(using: &random))
                }
            case .busy, .rejects: busy = true
            case .neverAnswers, .unregistered: break
            }
        }
        guard let answer else {
            if busy, extensions.count == 1 {
                notes.note("\(named) is busy")
                return .failed("busy (486)")
            }
            _ = clock.advance(byMillis: ringTime)
            notes.note("\(named) did not answer")
            return .failed("no answer (ring timeout)")
        }
        _ = clock.advance(byMillis: answer.after)
        notes.note("\(answer.ext) answers")
        if let hangsUp = answer.hangsUpAfter, hangsUp < talkMillis {
            _ = clock.advance(byMillis: hangsUp)
            notes.note("\(answer.ext) hangs up")
            return .answeredAndLeft
        }
        _ = clock.advance(byMillis: talkMillis)
        await channel.hangUp()
        return .answered
    }
}
