import Logging
import NIOConcurrencyHelpers
import NIOCore
import TelefoniaCore

/// An answered call the server split to carry out in-call feature codes (P5). Each
/// phone's media is diverted to a channel of the server (`RelaySession.divert`, no
/// re-INVITE), and the server mixes:
///
/// - `*1`+N: the party that pressed it (the transferor) leaves the conversation and
///   hears ringback while line N is called; the others hear music on hold when alone.
///   N answers: the two talk. N does not answer or hangs up: the transferor is back.
/// - `*23` while talking to N: everyone joins one conversation (three-way; another
///   `*1`+N then `*23` adds one more).
/// - The transferor hangs up while talking to N: N joins the others (attended transfer).
///
/// The call goes on, and its record with it, until one party is left; that one is hung
/// up. Consulted lines are legs of helper `B2BCall`s (never handed to the engine: a
/// call between lines of the tenant costs nothing). On the signalling loop.
final class SplitCall: @unchecked Sendable {
    enum PartyID: Hashable, CustomStringConvertible {
        case side(LegSide)
        case leg(CallID)

        var description: String {
            switch self {
            case .side(let side): "side \(side.rawValue)"
            case .leg(let id): "leg \(id)"
            }
        }
    }

    private struct Party {
        let channel: RTPChannel
        /// The media port to give back (side channels; a leg's goes with its helper call).
        let port: Int?
        let audio: PartyAudio
        let line: String
        /// The helper call whose B leg this party is.
        let leg: B2BCall?
    }

    private struct Consultation {
        let transferor: PartyID
        let target: String
        let bridge = ConferenceBridge()
        let leg: B2BCall
        var answered = false
        /// A blind transfer (REFER from the caller's phone): told how it goes (NOTIFY),
        /// and the transferor leaves as soon as the target answers.
        var report: ((_ status: String, _ done: Bool) -> Void)?
    }

    private unowned let b2bua: B2BUA
    private let call: B2BCall
    private let law: G711
    private let tenantID: String
    private var parties: [PartyID: Party] = [:]
    /// Where the parties not consulting talk.
    private let main = ConferenceBridge()
    private var consultation: Consultation?
    private var finished = false
    /// Music on hold and the "unavailable" prompt, loaded off the loop (the audio library reads the store).
    private var music: [Int16] = []
    private var unavailable: [Int16] = []

    private var context: SignallingContext { b2bua.context }
    private var logger: Logger { b2bua.context.logger }

    private init(b2bua: B2BUA, call: B2BCall, law: G711, tenantID: String) {
        self.b2bua = b2bua
        self.call = call
        self.law = law
        self.tenantID = tenantID
        let (prompts, loop) = (b2bua.applications.prompts, b2bua.context.loop)
        Task.detached { [weak self] in
            let music = prompts.prompt(named: Prompts.musicOnHold, tenantID: tenantID) ?? SIPLineRinger.ringback
            let unavailable = prompts.prompt(named: Prompts.unavailable, tenantID: tenantID) ?? []
            loop.execute {
                guard let self else { return }
                self.music = music
                self.unavailable = unavailable
                self.refreshMusic()
            }
        }
    }

    /// Splits an answered, relayed G.711 call: both phones onto channels of the server,
    /// in one conversation. Nil (and the call untouched) when it cannot be.
    static func split(_ call: B2BCall, b2bua: B2BUA) -> SplitCall? {
        let logger = b2bua.context.logger
        guard call.split == nil, call.transfer == nil, call.joined == nil, call.connection == nil, call.gone.isEmpty,
              let relay = call.relaySession, let answer = call.bAnswer,
              let tenantID = call.tenantID ?? call.bTargetTenant else {
            logger.info("in-call feature refused: the call cannot be split", metadata: ["tel.call_id": "\(call.id)"])
            return nil
        }
        // The codec both phones use is the first of the callee's answer.
        guard let law = answer.payloadTypes.lazy.compactMap({ $0 == 0 ? G711.muLaw : ($0 == 8 ? G711.aLaw : nil) }).first,
              answer.payloadTypes.first == law.payloadType else {
            logger.info("in-call feature refused: the call is not G.711", metadata: ["tel.call_id": "\(call.id)"])
            return nil
        }
        let split = SplitCall(b2bua: b2bua, call: call, law: law, tenantID: tenantID)
        let host = b2bua.context.configuration.internalMediaHost
        // What each phone sends carries the telephone-event type the other side declared.
        let events: [LegSide: Int?] = [.a: answer.telephoneEvent8kPayloadType, .b: call.aOffer.telephoneEvent8kPayloadType]
        var opened: [(LegSide, RTPChannel, Int)] = []
        for side in [LegSide.a, .b] {
            guard let (channel, port) = b2bua.applications.openChannel(tenantID: tenantID, law: law, telephoneEvent: events[side]!) else {
                for (_, channel, port) in opened {
                    channel.close()
                    b2bua.media.releasePort(port)
                }
                return nil
            }
            opened.append((side, channel, port))
        }
        for (side, channel, port) in opened {
            // The channel talks to the phone through the other side's port, as the phone's peer did.
            channel.setRemote(host: host, port: side == .a ? relay.bPort : relay.aPort)
            let line = side == .a ? (call.aInvite.from.uri.user ?? "") : (call.bTargetLine ?? "")
            split.add(.side(side), Party(channel: channel, port: port, audio: PartyAudio(), line: line, leg: nil), to: split.main)
            relay.divert(side, host: host, port: port)
            b2bua.applications.mediaClock.add(channel)
        }
        call.split = split
        logger.info("call split for in-call features", metadata: ["tel.call_id": "\(call.id)"])
        return split
    }

    // MARK: - Feature codes

    /// A blind transfer asked by `side`'s phone (REFER): `ext` is rung, the others wait
    /// on hold; when it answers the transferor's leg is hung up and `ext` takes its place.
    /// `report` hears "200 OK" or why not (the call then goes on as it was).
    func transfer(to ext: String, from side: LegSide, report: @escaping (_ status: String, _ done: Bool) -> Void) {
        consult(ext, from: side, report: report)
    }

    /// `*1`+`ext` from `side`: hold the others, ring `ext` for the transferor.
    func consult(_ ext: String, from side: LegSide, report: ((_ status: String, _ done: Bool) -> Void)? = nil) {
        let transferor = PartyID.side(side)
        guard !finished, consultation == nil, let party = parties[transferor] else {
            logger.info("*1 ignored: a consultation is under way", metadata: ["tel.call_id": "\(call.id)"])
            report?("491 Request Pending", true)
            return
        }
        guard Line.isValidExtension(ext), ext != party.line else {
            party.audio.play(unavailable, loop: false)
            report?("404 Not Found", true)
            return
        }
        var invite = call.aInvite
        invite.callID = "consult-" + SignallingContext.randomHex(12)
        invite.from = NameAddress(uri: SIPURI(user: party.line, host: invite.from.uri.host)).withTag(SignallingContext.newTag())
        let leg = B2BCall(id: CallID("consult-" + SignallingContext.randomHex(8)), aInvite: invite, aPeer: call.aPeer, aOffer: call.aOffer)
        leg.tenantID = tenantID
        var consultation = Consultation(transferor: transferor, target: ext, leg: leg)
        consultation.report = report
        self.consultation = consultation
        party.audio.join(consultation.bridge)
        party.audio.play(SIPLineRinger.ringback, loop: true)
        refreshMusic()
        logger.info("consulting", metadata: ["tel.call_id": "\(call.id)", "by": "\(party.line)", "line": "\(ext)"])
        b2bua.applications.connect(leg, tenantID: tenantID, lines: [ext], seconds: nil, callerID: party.line,
                                   media: (law, true)) { [weak self] result in
            self?.context.loop.execute { self?.consulted(leg, result) }
        }
    }

    /// The consulted line answered or could not be reached.
    private func consulted(_ leg: B2BCall, _ result: LegConnection.Result) {
        guard !finished, var consultation, consultation.leg === leg, let transferor = parties[consultation.transferor] else {
            if case .answered = result { hangUp(leg) }
            return
        }
        switch result {
        case .answered(let channel):
            guard let connection = leg.connection else { return }
            transferor.audio.stopSound()
            consultation.answered = true
            self.consultation = consultation
            let id = PartyID.leg(leg.id)
            add(id, Party(channel: channel, port: nil, audio: PartyAudio(), line: consultation.target, leg: leg), to: consultation.bridge)
            connection.onHangUp = { [weak self] in self?.left(id) }
            if let report = consultation.report, case .side(let side) = consultation.transferor {
                // Blind: the target answered, the transferor's part is over.
                report("200 OK", true)
                if let bye = call.inDialogRequest("BYE", to: side, context: context), let peer = side == .a ? call.aPeer : call.bPeer {
                    context.transactions.sendRequest(bye, to: peer) { _ in }
                }
                _ = sideLeft(side)
            }
        case .failed(let why):
            logger.info("consultation failed", metadata: ["tel.call_id": "\(call.id)", "line": "\(consultation.target)", "why": "\(why)"])
            consultation.report?(why.contains("busy") ? "486 Busy Here" : "480 Temporarily Unavailable", true)
            self.consultation = nil
            b2bua.forget(leg)
            transferor.audio.join(main)
            transferor.audio.play(unavailable, loop: false)
            refreshMusic()
        }
    }

    /// `*23` from the transferor talking to the consulted line: everyone in one conversation.
    func merge(from side: LegSide) {
        guard !finished, let consultation, consultation.transferor == .side(side), consultation.answered else {
            logger.info("*23 ignored: no answered consultation", metadata: ["tel.call_id": "\(call.id)"])
            return
        }
        self.consultation = nil
        for id in [consultation.transferor, .leg(consultation.leg.id)] { parties[id]?.audio.join(main) }
        refreshMusic()
        logger.info("three-way", metadata: ["tel.call_id": "\(call.id)", "parties": "\(parties.count)"])
    }

    // MARK: - Parties leaving

    /// `side`'s phone hung up (its BYE). Returns the engine's future when the call ended
    /// with it (answer the BYE once its record is written), else nil.
    func sideLeft(_ side: LegSide) -> EventLoopFuture<Void>? {
        call.gone.insert(side)
        return left(.side(side))
    }

    @discardableResult
    private func left(_ id: PartyID) -> EventLoopFuture<Void>? {
        guard !finished, let party = parties.removeValue(forKey: id) else { return nil }
        party.audio.join(nil)
        party.channel.setFrameExchange(nil)
        party.channel.close()
        if let port = party.port { b2bua.media.releasePort(port) }
        if let leg = party.leg { b2bua.forget(leg) }
        logger.info("party left", metadata: ["tel.call_id": "\(call.id)", "party": "\(id)", "line": "\(party.line)"])
        if let consultation {
            if consultation.transferor == id {
                self.consultation = nil
                let legID = PartyID.leg(consultation.leg.id)
                if consultation.answered, let consulted = parties[legID] {
                    // Attended transfer: the consulted line takes the transferor's place.
                    consulted.audio.join(main)
                    b2bua.driver.feed(.transferred(call.id, to: consultation.target))
                } else {
                    hangUp(consultation.leg)
                }
            } else if case .leg(let legID) = id, legID == consultation.leg.id {
                // The consulted line hung up: the transferor is back with the others.
                self.consultation = nil
                parties[consultation.transferor]?.audio.join(main)
            }
        }
        refreshMusic()
        guard parties.count <= 1 else { return nil }
        return finish()
    }

    /// One party left (or none): the call ends, its record written by the engine, which
    /// hangs up whichever side of the call is still there.
    private func finish() -> EventLoopFuture<Void>? {
        guard let gone = call.gone.first else { return nil }
        logger.info("split call over", metadata: ["tel.call_id": "\(call.id)"])
        return b2bua.driver.feed(.hungUp(call.id, side: gone))
    }

    /// The call is forgotten (its end, or the engine cut it): every channel closed, every
    /// consulted leg hung up.
    func teardown() {
        guard !finished else { return }
        finished = true
        if let consultation, parties[.leg(consultation.leg.id)] == nil { hangUp(consultation.leg) }
        consultation = nil
        for (_, party) in parties {
            party.audio.join(nil)
            party.channel.close()
            if let port = party.port { b2bua.media.releasePort(port) }
            if let leg = party.leg { hangUp(leg) }
        }
        parties = [:]
    }

    // MARK: - Internals

    private func add(_ id: PartyID, _ party: Party, to bridge: ConferenceBridge) {
        parties[id] = party
        party.audio.join(bridge)
        let audio = party.audio
        party.channel.setFrameExchange { inbound, nowMillis in audio.exchange(inbound, nowMillis: nowMillis) }
    }

    /// Music on hold for whoever waits alone while a consultation is under way.
    private func refreshMusic() {
        for party in parties.values where party.audio.bridge === main {
            if consultation != nil, main.count == 1 {
                if !party.audio.isLooping { party.audio.play(music, loop: true) }
            } else if party.audio.isLooping {
                party.audio.stopSound()
            }
        }
    }

    /// Ends a helper call's leg: BYE when it answered, CANCEL while it rings.
    private func hangUp(_ leg: B2BCall) {
        if leg.bTo != nil, let bye = leg.inDialogRequest("BYE", to: .b, context: context), let peer = leg.bPeer {
            context.transactions.sendRequest(bye, to: peer) { _ in }
        }
        b2bua.forget(leg)
    }
}

/// What one party of a split call hears: its conversation's mix plus a sound of the
/// server (music on hold, ringback, a prompt). Changed on the signalling loop, read
/// every 20 ms on the media clock thread.
final class PartyAudio: @unchecked Sendable {
    private let lock = NIOLock()
    private var current: (bridge: ConferenceBridge, member: ConferenceBridge.MemberID)?
    private var sound: [Int16] = []
    private var position = 0
    private var loops = false

    /// The conversation the party is in.
    var bridge: ConferenceBridge? { lock.withLock { current?.bridge } }

    /// Whether a looping sound (music, ringback) plays.
    var isLooping: Bool { lock.withLock { loops && !sound.isEmpty } }

    /// Moves the party to `bridge` (nil: out of every conversation).
    func join(_ bridge: ConferenceBridge?) {
        lock.withLock {
            if let current { current.bridge.leave(current.member) }
            current = bridge.map { ($0, $0.join()) }
        }
    }

    func play(_ samples: [Int16], loop: Bool) {
        lock.withLock {
            sound = samples
            position = 0
            loops = loop
        }
    }

    func stopSound() {
        play([], loop: false)
    }

    /// The channel's frame exchange: what it received goes to the conversation, what it
    /// sends is the others' mix plus the sound.
    func exchange(_ inbound: [Int16]?, nowMillis: Int64) -> [Int16]? {
        lock.withLock {
            var frame = current.flatMap { $0.bridge.exchange($0.member, inbound: inbound, round: nowMillis) }
            guard !sound.isEmpty else { return frame }
            var mixed = frame ?? [Int16](repeating: 0, count: ConferenceBridge.frameSamples)
            for index in 0..<mixed.count {
                if position >= sound.count {
                    guard loops else { break }
                    position = 0
                }
                mixed[index] = ConferenceMixer.saturate(Int32(mixed[index]) + Int32(sound[position]))
                position += 1
            }
            if position >= sound.count, !loops { sound = [] }
            frame = mixed
            return frame
        }
    }
}
