import Foundation
import Logging
import NIOCore
import TelefoniaCore

/// Calls the server answers itself (echo, playback, balance, conference rooms,
/// listening): an oRTP channel on a port of the relay's range, the caller's G.711 law
/// and telephone-event at 8 kHz when offered, and the `CallApplication` run as async
/// code over it. When the script returns the server hangs up.
final class ApplicationHost: @unchecked Sendable {
    let context: SignallingContext
    unowned let b2bua: B2BUA
    private let applications: [String: any CallApplication]
    let prompts: any PromptProvider
    /// Where IVR menus are read and their visits written.
    let store: any PBXStore
    /// Drives media the server terminates, every 20 ms.
    let mediaClock = MediaClock()
    /// Conference rooms with people in them (F6).
    private let conferences = ConferenceRooms()
    /// The call centre's queues (C2), created with the host.
    private(set) lazy var queues = QueueService(context: context, host: self, b2bua: b2bua)
    /// The campaign dialer (C1).
    private(set) lazy var campaigns = CampaignService(context: context, host: self, b2bua: b2bua)
    /// Click2call, DISA, ad-hoc conferences, tests, callbacks and the voice portal (issue 12).
    private(set) lazy var facilities = FacilityService(context: context, host: self, b2bua: b2bua)

    init(context: SignallingContext, b2bua: B2BUA, store: any PBXStore, applications: [any CallApplication], prompts: any PromptProvider) {
        self.context = context
        self.store = store
        self.b2bua = b2bua
        self.applications = Dictionary(applications.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.prompts = prompts
    }

    /// Answers the call on the server and runs the application `name` on an oRTP channel.
    func start(_ name: String, on call: B2BCall) {
        let driver = b2bua.driver
        guard let application = applications[name] ?? conferenceApplication(named: name) ?? listenApplication(named: name)
            ?? ivrApplication(named: name, call: call) ?? FeatureCodeApplication(named: name, store: store)
            ?? pickupApplication(named: name, call: call) ?? voicemailApplication(named: name, call: call)
            ?? agentApplication(named: name, call: call) ?? portalApplication(named: name) else {
            driver.feed(.rejected(call.id, status: 404))
            return
        }
        let offered = call.aOffer.payloadTypes
        guard let law: G711 = offered.contains(0) ? .muLaw : (offered.contains(8) ? .aLaw : nil) else {
            driver.feed(.rejected(call.id, status: 488))
            return
        }
        let configuration = context.configuration
        let telephoneEvent = configuration.mediaTelephoneEvent ? call.aOffer.telephoneEvent8kPayloadType : nil
        guard let (channel, port) = openChannel(tenantID: call.tenantID ?? configuration.defaultTenant, law: law,
                                                 telephoneEvent: telephoneEvent) else {
            driver.feed(.rejected(call.id, status: 503))
            return
        }
        if let host = call.aOffer.connectionAddress, let remotePort = call.aOffer.audioPort, host != "0.0.0.0" {
            channel.setRemote(host: host, port: remotePort)
        }
        // The relay bound at INVITE time is not needed: media ends here.
        call.relay?.close()
        call.relay = nil
        call.channel = channel
        call.channelPort = port
        let (id, loop) = (call.id, context.loop)
        channel.onServerHangUp = { [weak b2bua] in
            loop.execute {
                guard let b2bua, b2bua.calls[id] != nil else { return }
                b2bua.driver.feed(.hungUp(id, side: .b))
            }
        }
        mediaClock.add(channel)
        call.answeredAt = context.clock.nowMillis()
        driver.feed(.answered(id))
        let logger = context.logger
        Task {
            await application.run(on: channel, logger: logger)
            await channel.hangUp()
        }
    }

    /// An oRTP channel on a port of the relay's range. A port another process holds (the
    /// reservation only knows our own sockets) fails to bind: the next is tried, the
    /// failed ones kept aside until one binds, then given back. Nil when none does.
    func openChannel(tenantID: String, law: G711, telephoneEvent: Int?) -> (RTPChannel, Int)? {
        var taken: [Int] = []
        defer { for port in taken { b2bua.media.releasePort(port) } }
        for _ in 0..<16 {
            guard let port = b2bua.media.reservePort() else { break }
            if let channel = RTPChannel(
                tenantID: tenantID, host: context.configuration.sipAddress, port: port, law: law,
                telephoneEventPayloadType: telephoneEvent, prompts: prompts, logger: context.logger) {
                return (channel, port)
            }
            taken.append(port)
        }
        context.logger.warning("no media port for a server channel", metadata: ["tried": "\(taken)"])
        return nil
    }

    /// Stops what the call had here: its channel (and port), the leg an application
    /// placed (ringing forks cancelled), and the supervisors listening to it.
    func detach(_ call: B2BCall) {
        queues.callEnded(call)
        for listener in call.listeners { listener.stop() }
        if let channel = call.channel {
            channel.close()
            if let port = call.channelPort { b2bua.media.releasePort(port) }
        }
        if let (channel, port) = call.takenOver {
            channel.close()
            b2bua.media.releasePort(port)
            call.takenOver = nil
        }
        if let connection = call.connection {
            let pending = connection.isPending
            if pending { b2bua.dialer.cancelForks(of: call) }
            // A pending attempt's failure frees its port; an answered one's is freed here.
            connection.finish(.failed("the caller hung up"))
            connection.channel.close()
            if !pending { b2bua.media.releasePort(connection.port) }
            call.connection = nil
        }
    }

    /// Places a leg to line `ext` of `tenantID` from a call an application answered and
    /// calls `completion` (on the loop) with the line's channel once it answers, or why
    /// not: not registered, busy, no answer within its ring time, the caller gone. The
    /// leg's channel speaks `media` (the law, and whether to offer telephone-event),
    /// else what the call's own channel speaks.
    func connect(_ call: B2BCall, tenantID: String, lines extensions: [String], seconds: Int?, callerID: String,
                 media: (law: G711, telephoneEvent: Bool)? = nil,
                 completion: @escaping @Sendable (LegConnection.Result) -> Void) {
        guard !call.ended, call.connection == nil,
              let media = media ?? call.channel.map({ ($0.law, $0.telephoneEventPayloadType != nil) }) else {
            return completion(.failed("the call is not in an application"))
        }
        let now = context.clock.nowMillis()
        let named = extensions.count == 1 ? "line \(extensions[0])" : "lines \(extensions.joined(separator: ", "))"
        context.storage.submit(on: context.loop) { store -> ([Line], [Registration], String) in
            let lines = try extensions.compactMap { try store.line(tenantID: tenantID, extensionNumber: $0) }
            let contacts = try lines.flatMap { line in
                try store.registrations(tenantID: tenantID, extensionNumber: line.extensionNumber).filter { $0.expiresAt * 1000 > now }
            }
            return (lines, contacts, try store.tenant(id: tenantID)?.domain ?? tenantID)
        }.whenComplete { [self] result in
            guard !call.ended, call.connection == nil else { return completion(.failed("the caller hung up")) }
            guard case .success(let (lines, contacts, domain)) = result, let line = lines.first else {
                return completion(.failed("\(named) does not exist"))
            }
            guard !contacts.isEmpty else { return completion(.failed("\(named) \(extensions.count == 1 ? "is" : "are") not registered")) }
            let ext = line.extensionNumber
            guard let (channel, port) = openChannel(tenantID: tenantID, law: media.law, telephoneEvent: media.telephoneEvent ? 101 : nil) else {
                return completion(.failed("no free media port"))
            }
            mediaClock.add(channel)
            let lineOfContact = Dictionary(contacts.map { ($0.contact, $0.extensionNumber) }, uniquingKeysWith: { first, _ in first })
            let connection = LegConnection(channel: channel, port: port) { [weak self, weak call] result in
                guard let self, let call else { return completion(result) }
                switch result {
                case .answered:
                    call.connection?.answeredLine = call.winner?.contact.flatMap { lineOfContact[$0] } ?? ext
                    if let answer = call.bAnswer, let host = answer.connectionAddress, let remotePort = answer.audioPort, host != "0.0.0.0" {
                        channel.setRemote(host: host, port: remotePort)
                    }
                case .failed:
                    // Free the B leg for the next attempt (a group's next member).
                    b2bua.media.releasePort(port)
                    call.connection = nil
                    call.branches.removeAll()
                    call.bLocalCSeq += 1
                }
                completion(result)
            }
            call.connection = connection
            call.bTargetLine = ext
            call.bTargetTenant = tenantID
            let offer = SessionDescription.terminatedAnswer(
                address: context.localHost, port: port, payloadType: media.law.payloadType,
                telephoneEvent: media.telephoneEvent ? 101 : nil, sessionID: UInt64(now))
            let ringTime = seconds ?? context.configuration.ringTimeout ?? line.ringTimeout
            connection.ringTimer = context.loop.scheduleTask(in: .seconds(Int64(ringTime))) {
                [weak self, weak call] in
                guard let self, let call, let connection = call.connection, connection.isPending else { return }
                b2bua.dialer.cancelForks(of: call)
                connection.finish(.failed("no answer (ring timeout)"))
            }
            b2bua.dialer.dial(call, target: .line(tenantID: tenantID, extensionNumber: ext, contacts: contacts, domain: domain),
                              callerID: callerID, offer: offer)
        }
    }

    /// Gives up the leg an application is ringing (its forks cancelled); the attempt
    /// ends as failed. Nothing when no leg rings.
    func cancelConnection(_ call: B2BCall) {
        guard let connection = call.connection, connection.isPending else { return }
        b2bua.dialer.cancelForks(of: call)
        connection.finish(.failed("cancelled"))
    }

    /// Tells subscribed phones when a voicemail box changes (set by the stack).
    var messageWaiting: MessageWaiting?

    /// Voicemail boxes (T5) under `<data.dir>/voicemail`; a change reaches subscribed phones.
    private var voicemailBoxes: FileVoicemailBoxes {
        let (loop, mwi) = (context.loop, messageWaiting)
        return FileVoicemailBoxes(
            store: store, folder: context.configuration.voicemailFolder,
            clock: context.clock,
            changed: { tenantID, ext in loop.execute { mwi?.changed(tenantID: tenantID, extensionNumber: ext) } })
    }

    /// Deposits into the boxes, each line's maximum length read (in the application's task) from its features.
    private var voicemailDeposit: VoicemailDeposit {
        let store = self.store
        return VoicemailDeposit(boxes: voicemailBoxes) { try store.lineFeatures(tenantID: $0, extensionNumber: $1).voicemailMaxSeconds }
    }

    /// A voicemail deposit ("voicemail:<tenant>:<ext>") or retrieval ("voicemail-retrieve:…"); nil for other names.
    private func voicemailApplication(named name: String, call: B2BCall) -> (any CallApplication)? {
        if let deposit = VoicemailDepositApplication(named: name, caller: call.aInvite.from.uri.user ?? "", deposit: voicemailDeposit) {
            return deposit
        }
        let store = self.store
        let tenantID = call.tenantID ?? "", ext = call.aInvite.from.uri.user ?? ""
        return VoicemailRetrievalApplication(
            named: name, pin: { try store.lineFeatures(tenantID: tenantID, extensionNumber: ext).voicemailPIN }, boxes: voicemailBoxes)
    }

    /// `*78` (log in / out of the line's flex and power queues) and `*79` (pause / unpause), C2.
    private func agentApplication(named name: String, call: B2BCall) -> (any CallApplication)? {
        guard name == QueueAgentApplication.login || name == QueueAgentApplication.pause,
              let tenantID = call.tenantID, let ext = call.aInvite.from.uri.user else { return nil }
        return QueueAgentApplication(name: name, tenantID: tenantID, agent: ext, service: queues, loop: context.loop, call: call)
    }

    /// The pickup application of a picker's call ("pickup:<ringing call id>"); nil for other names.
    private func pickupApplication(named name: String, call picker: B2BCall) -> (any CallApplication)? {
        guard name.hasPrefix(PickupDialling.applicationPrefix) else { return nil }
        let target = CallID(String(name.dropFirst(PickupDialling.applicationPrefix.count)))
        return PickupApplication(host: self, target: target, pickerLine: picker.aInvite.from.uri.user ?? "", loop: context.loop)
    }

    /// Takes ringing call `id` for a picker (L4): its A leg is answered here with one
    /// G.711 law, the relay's B side is pointed at a new channel of the server (returned,
    /// for the picker's call to bridge), the engine hears `.pickedUp` (which cancels the
    /// forks still ringing and answers the caller). Nil when the call is gone or answered.
    func takeOver(_ id: CallID, by pickerLine: String) -> RTPChannel? {
        guard let call = b2bua.calls[id], !call.ended, call.answeredAt == nil, call.takenOver == nil, call.connection == nil,
              let relay = call.relay else { return nil }
        let offered = call.aOffer.payloadTypes
        let telephoneEvent = call.aOffer.telephoneEvent8kPayloadType
        guard let law: G711 = offered.contains(0) ? .muLaw : (offered.contains(8) ? .aLaw : nil),
              let (channel, port) = openChannel(tenantID: call.tenantID ?? call.bTargetTenant ?? context.configuration.defaultTenant,
                                                law: law, telephoneEvent: telephoneEvent) else { return nil }
        // The caller is answered with one law only, so the channel understands what it sends.
        call.bAnswer = SessionDescription(SessionDescription.terminatedAnswer(
            address: context.localHost, port: port, payloadType: law.payloadType, telephoneEvent: telephoneEvent,
            sessionID: UInt64(context.clock.nowMillis())))
        channel.setRemote(host: context.localHost, port: relay.bPort)
        relay.setRemote(.b, host: context.localHost, port: port)
        mediaClock.add(channel)
        call.takenOver = (channel, port)
        call.answeredAt = context.clock.nowMillis()
        context.logger.info("call picked up", metadata: ["tel.call_id": "\(id)", "by": "\(pickerLine)"])
        b2bua.driver.feed(.pickedUp(id, by: pickerLine))
        return channel
    }

    /// The picker hung up: the picked-up call ends too (its caller gets BYE).
    func endTakenOver(_ id: CallID) {
        guard let call = b2bua.calls[id], call.takenOver != nil, !call.ended else { return }
        b2bua.driver.feed(.hungUp(id, side: .b))
    }

    /// The line an application connected hung up (its BYE): the bridge ends, the caller stays.
    func connectedLegHungUp(_ call: B2BCall) {
        guard let connection = call.connection else { return }
        connection.channel.close()
        // The B dialog is over: a later hang-up of the caller sends no BYE to it.
        call.bTo = nil
        call.bPeer = nil
        connection.onHangUp?()
    }

    func stop() {
        mediaClock.stop()
    }

    // MARK: - Conference rooms, listening, IVRs

    /// The IVR application of a menu the engine routed a call to ("ivr:demo:1", see
    /// `IVRDialling`), or of a call group a DID leads to ("group:demo:vendas"); nil for
    /// any other name.
    private func ivrApplication(named name: String, call: B2BCall) -> (any CallApplication)? {
        let tenantID: String, start: IVRDestination
        if let menu = IVRDialling.menu(inApplication: name) {
            (tenantID, start) = (menu.tenantID, .menu(menu.number))
        } else if let group = IVRDialling.group(inApplication: name) {
            (tenantID, start) = (group.tenantID, .group(group.name))
        } else if let queue = IVRDialling.queue(inApplication: name) {
            (tenantID, start) = (queue.tenantID, .queue(queue.name))
        } else {
            return nil
        }
        return handOff(call, tenantID: tenantID, to: start, caller: call.aInvite.from.uri.user ?? "")
    }

    /// The IVR machinery taking call `call` (answered here) to `destination` — a menu, a
    /// line, a group, a queue, voicemail — as the caller `caller`.
    func handOff(_ call: B2BCall, tenantID: String, to destination: IVRDestination, caller: String) -> IVRApplication {
        let store = self.store
        let delivery = CallDelivery(
            groups: { try store.callGroup(tenantID: $0, name: $1) },
            ringer: SIPLineRinger(host: self, call: call, loop: context.loop),
            voicemail: voicemailDeposit, queues: SIPQueueConnector(service: queues, call: call, loop: context.loop),
            portal: SIPPortalConnector(service: facilities, storage: context.storage, loop: context.loop),
            logger: context.logger)
        return IVRApplication(
            tenantID: tenantID, start: destination, callID: call.id.rawValue, caller: caller,
            directory: StoreIVRDirectory(store: store), connector: delivery,
            journal: StoreIVRJournal(storage: context.storage, loop: context.loop, logger: context.logger), clock: context.clock)
    }

    /// The voice portal's application ("portal:<tenant>:<line>", F3); nil for other names.
    private func portalApplication(named name: String) -> (any CallApplication)? {
        guard let portal = PortalDialling.portal(inApplication: name) else { return nil }
        return PortalApplication(service: facilities, tenantID: portal.tenantID, line: portal.line)
    }

    /// Someone joining room `room` of `tenantID` (F6, and F1's invited lines).
    func conferenceApplication(tenantID: String, room: String) -> any CallApplication {
        ConferenceApplication(tenantID: tenantID, number: room, rooms: conferences, prompts: prompts)
    }

    /// The application of a conference room the engine routed a call to
    /// ("conference:demo:100", see `ConferenceDialling`); nil for any other name.
    private func conferenceApplication(named name: String) -> (any CallApplication)? {
        guard let room = ConferenceDialling.room(inApplication: name) else { return nil }
        return ConferenceApplication(tenantID: room.tenantID, number: room.number, rooms: conferences, prompts: prompts)
    }

    /// The listen / whisper / barge application for a name the engine dialled
    /// (`ListenDialling`), attached to the target line's answered call; nil when the
    /// name is not a listening one.
    func listenApplication(named name: String) -> (any CallApplication)? {
        guard let target = ListenDialling.target(inApplication: name) else { return nil }
        guard let (call, side) = answeredCall(tenantID: target.tenantID, line: target.extensionNumber) else {
            return ListenApplication(listener: nil, detach: {})
        }
        guard let relay = call.relaySession else {
            // A call bridged on the server (a queue's): the listener hears both channels.
            guard let callerChannel = call.channel, let agentChannel = call.connection?.channel else {
                return ListenApplication(listener: nil, detach: {})
            }
            let listener = CallListener(mode: target.mode, agentSide: side)
            callerChannel.addMonitor(listener) { listener.channel(side: .a, received: $0) }
            agentChannel.addMonitor(listener) { listener.channel(side: .b, received: $0) }
            call.listeners.append(listener)
            context.logger.info("listening", metadata: ["tel.call_id": "\(call.id)", "mode": "\(target.mode.rawValue)"])
            let loop = context.loop
            return ListenApplication(listener: listener, detach: {
                loop.execute {
                    callerChannel.removeMonitor(listener)
                    agentChannel.removeMonitor(listener)
                    call.listeners.removeAll { $0 === listener }
                }
            })
        }
        let listener = CallListener(mode: target.mode, agentSide: side)
        relay.add(tap: listener)
        relay.add(rewriter: listener)
        call.listeners.append(listener)
        context.logger.info("listening", metadata: [
            "tel.call_id": "\(call.id)", "mode": "\(target.mode.rawValue)", "line": "\(target.extensionNumber)",
        ])
        let loop = context.loop
        let detach: @Sendable () -> Void = {
            loop.execute {
                relay.remove(tap: listener)
                relay.remove(rewriter: listener)
                call.listeners.removeAll { $0 === listener }
            }
        }
        return ListenApplication(listener: listener, detach: detach)
    }

    /// A relayed, answered call in which `line` of `tenantID` takes part, and its side.
    private func answeredCall(tenantID: String, line: String) -> (B2BCall, LegSide)? {
        for call in b2bua.calls.values where call.answeredAt != nil && call.relay != nil && !call.ended {
            if call.tenantID == tenantID, call.aInvite.from.uri.user == line { return (call, .a) }
            if call.bTargetTenant == tenantID, call.bTargetLine == line { return (call, .b) }
        }
        // A queue's (or an IVR's) caller bridged on the server to the line's phone.
        for call in b2bua.calls.values where !call.ended && call.channel != nil && call.connection?.channel.isUp == true {
            if call.bTargetTenant == tenantID, call.bTargetLine == line { return (call, .b) }
        }
        return nil
    }
}
