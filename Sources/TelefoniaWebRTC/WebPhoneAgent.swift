import Foundation
import Logging
import NIOCore
import TelefoniaCore
import TelefoniaSIP

/// One page's web phone as a SIP user agent of the server: it registers the tenant's
/// web-phone line (digest with the line's stored HA1, as any phone of the line), places
/// and takes calls, and bridges each call's media to the browser (`MediaBridge`). It
/// speaks SIP over UDP to the server's own port on loopback, so the registrar, the
/// B2BUA, routing, rating and records treat it exactly like a desk phone. Everything
/// runs on one event loop.
final class WebPhoneAgent: WebPhoneConnection, @unchecked Sendable {
    struct Settings: Sendable {
        var tenantID: String
        var line: String
        var domain: String
        var ha1: String
        var server: SocketAddress
        /// The address the browser sends media to (an ICE candidate).
        var mediaAddress: String
        var mediaBindHost: String
    }

    private let settings: Settings
    private let loop: any EventLoop
    private let channel: any Channel
    private let dtls: DTLSContext
    private let logger: Logger
    private let events: @Sendable (WebPhoneEvent) -> Void
    private var localPort: Int { channel.localAddress?.port ?? 0 }
    private var registerCSeq = 0
    private let registerCallID = "webphone-reg-" + RandomID.hex(8)
    private let registerTag = RandomID.hex(5)
    private var registration: EventLoopPromise<Void>?
    private var refresh: Scheduled<Void>?
    private var call: Call?
    private var closed = false

    /// A call of this phone, either way.
    final class Call {
        let outgoing: Bool
        let callID: String
        let localTag: String
        var remoteTag: String?
        var cseq: Int
        var invite: SIPMessage
        var remoteTarget: SIPURI?
        var bridge: MediaBridge?
        var answered = false
        /// The page's number (outgoing) or the caller (incoming).
        let peer: String
        /// The incoming INVITE's payload types and telephone-event (what the browser is offered).
        var offeredTypes: [Int] = []
        var telephoneEvent: Int?
        var authenticated = false

        init(outgoing: Bool, callID: String, localTag: String, cseq: Int, invite: SIPMessage, peer: String) {
            self.outgoing = outgoing
            self.callID = callID
            self.localTag = localTag
            self.cseq = cseq
            self.invite = invite
            self.peer = peer
        }
    }

    private init(settings: Settings, loop: any EventLoop, channel: any Channel, dtls: DTLSContext, logger: Logger,
                 events: @escaping @Sendable (WebPhoneEvent) -> Void) {
        self.settings = settings
        self.loop = loop
        self.channel = channel
        self.dtls = dtls
        self.logger = logger
        self.events = events
    }

    /// Binds the agent's SIP socket and registers the line; fails when the server refuses.
    static func start(settings: Settings, loop: any EventLoop, dtls: DTLSContext, logger: Logger,
                      events: @escaping @Sendable (WebPhoneEvent) -> Void) -> EventLoopFuture<WebPhoneAgent> {
        let box = AgentBox()
        return bindDatagram(on: loop, host: "127.0.0.1") { from, bytes in box.agent?.received(from, bytes) }
            .flatMap { channel in
                let agent = WebPhoneAgent(settings: settings, loop: loop, channel: channel, dtls: dtls, logger: logger, events: events)
                box.agent = agent
                return agent.register(expires: 300).map { agent }.flatMapErrorThrowing { error in
                    channel.close(promise: nil)
                    throw error
                }
            }
    }

    // MARK: - Commands from the page

    func handle(_ command: WebPhoneCommand) {
        loop.execute { [self] in
            guard !closed else { return }
            switch command {
            case .call(let to, let sdp): dial(to, browserSDP: sdp)
            case .accept: accept()
            case .answer(let sdp): answerIncoming(browserSDP: sdp)
            case .reject: rejectIncoming()
            case .hangUp: hangUp(reason: "hung up")
            }
        }
    }

    func close() {
        loop.execute { [self] in
            guard !closed else { return }
            hangUp(reason: "the page closed")
            closed = true
            refresh?.cancel()
            // Unregister, then let the socket go.
            _ = register(expires: 0).always { [channel] _ in channel.close(promise: nil) }
        }
    }

    // MARK: - Registration

    private func register(expires: Int) -> EventLoopFuture<Void> {
        let promise = loop.makePromise(of: Void.self)
        registration?.fail(WebRTCError("registration replaced"))
        registration = promise
        sendRegister(expires: expires, authorization: nil)
        loop.scheduleTask(in: .seconds(5)) { [weak self] in
            self?.registration?.fail(WebRTCError("the server did not answer the registration"))
            self?.registration = nil
        }
        return promise.futureResult
    }

    private var registerExpires = 300

    private func sendRegister(expires: Int, authorization: String?) {
        registerCSeq += 1
        registerExpires = expires
        lastRegisterHadAuth = authorization != nil
        var message = SIPMessage(
            startLine: .request(method: "REGISTER", uri: SIPURI(user: nil, host: settings.domain)), vias: [via()],
            from: NameAddress(uri: aor).withTag(registerTag), to: NameAddress(uri: aor), callID: registerCallID,
            cseq: registerCSeq, cseqMethod: "REGISTER", contacts: [contact],
            authorization: authorization.map { [$0] } ?? [], otherHeaders: [("Max-Forwards", "70"), ("User-Agent", "Telefonia web phone")])
        message.setHeader("Expires", String(expires))
        transmit(message)
    }

    private func registerAnswered(_ response: SIPMessage) {
        switch response.statusCode {
        case 100..<200:
            return
        case 200..<300:
            registration?.succeed(())
            registration = nil
            if registerExpires > 0, !closed {
                events(.ready(line: settings.line))
                refresh?.cancel()
                refresh = loop.scheduleTask(in: .seconds(Int64(registerExpires / 2))) { [weak self] in
                    guard let self, !self.closed else { return }
                    _ = self.register(expires: 300)
                }
            }
        case 401, 407:
            guard !lastRegisterHadAuth, response.cseq == registerCSeq else {
                registration?.fail(WebRTCError("the line's credentials were refused"))
                registration = nil
                return
            }
            let challenges = response.statusCode == 401 ? response.wwwAuthenticate : response.proxyAuthenticate
            guard let header = authorization(for: challenges, method: "REGISTER", uri: "sip:\(settings.domain)") else {
                registration?.fail(WebRTCError("no usable digest challenge"))
                registration = nil
                return
            }
            sendRegister(expires: registerExpires, authorization: header)
        default:
            registration?.fail(WebRTCError("registration refused: \(response.statusCode)"))
            registration = nil
        }
    }

    private var lastRegisterHadAuth = false

    // MARK: - Calls out

    private func dial(_ number: String, browserSDP: String) {
        guard call == nil else { return events(.error("a call is already in progress")) }
        // Digits as a phone dials them: a number, an extension, a feature code (*921).
        guard (1...32).contains(number.count), number.allSatisfy({ "0123456789*+".contains($0) }) else {
            return events(.error("\(number) is not a number"))
        }
        guard let offer = BrowserDescription(browserSDP), let payloadType = offer.g711 else {
            return events(.error("the browser offered no G.711 (PCMU/PCMA) audio with DTLS-SRTP"))
        }
        let callID = "webphone-" + RandomID.hex(10)
        let target = SIPURI(user: number, host: settings.domain)
        let placeholder = SIPMessage(startLine: .request(method: "INVITE", uri: target), vias: [], from: NameAddress(uri: aor),
                                     to: NameAddress(uri: target), callID: callID, cseq: 1, cseqMethod: "INVITE")
        let call = Call(outgoing: true, callID: callID, localTag: RandomID.hex(5), cseq: 1, invite: placeholder, peer: number)
        self.call = call
        MediaBridge.open(on: loop, bindHost: settings.mediaBindHost, address: settings.mediaAddress, plainHost: "127.0.0.1",
                         context: dtls, expectedFingerprint: offer.fingerprint, logger: logger).whenComplete { [self] result in
            guard self.call === call else {
                if case .success(let bridge) = result { bridge.close() }
                return
            }
            guard case .success(let bridge) = result else { return end(call, reason: "no media port") }
            call.bridge = bridge
            bridge.onFailed = { [weak self] why in self?.hangUp(reason: "media failed: \(why)") }
            let answer = bridge.endpoint.description(setup: "passive", mid: offer.mid, payloadType: payloadType,
                                                     telephoneEvent: offer.telephoneEvent, sessionID: UInt64.random(in: 1...UInt64(Int64.max)))
            events(.answer(sdp: answer))
            let sdp = plainSDP(bridge, payloadType: payloadType, telephoneEvent: offer.telephoneEvent)
            call.invite = SIPMessage(
                startLine: .request(method: "INVITE", uri: target), vias: [via()], from: NameAddress(uri: aor).withTag(call.localTag),
                to: NameAddress(uri: target), callID: callID, cseq: call.cseq, cseqMethod: "INVITE", contacts: [contact],
                contentType: "application/sdp", otherHeaders: [("Max-Forwards", "70"), ("User-Agent", "Telefonia web phone")],
                body: Array(sdp.utf8))
            logger.info("web phone: calling", metadata: ["line": "\(settings.line)", "to": "\(number)", "tel.tenant": "\(settings.tenantID)"])
            transmit(call.invite)
        }
    }

    private func inviteAnswered(_ response: SIPMessage, _ call: Call) {
        let status = response.statusCode
        switch status {
        case 100:
            return
        case 101..<200:
            events(.ringing)
        case 200..<300:
            call.remoteTag = response.to.tag
            call.remoteTarget = response.contacts.first?.uri ?? call.invite.requestURI
            sendACK(for: response, call, success: true)
            guard !call.answered else { return }
            call.answered = true
            if let sdp = SessionDescription(response.bodyText), let host = sdp.connectionAddress, let port = sdp.audioPort {
                call.bridge?.setRelay(host: host, port: port)
            }
            events(.connected)
        case 401, 407:
            sendACK(for: response, call, success: false)
            guard !call.authenticated else { return end(call, reason: "the line's credentials were refused") }
            call.authenticated = true
            let challenges = status == 401 ? response.wwwAuthenticate : response.proxyAuthenticate
            guard let header = authorization(for: challenges, method: "INVITE", uri: call.invite.requestURI?.description ?? "") else {
                return end(call, reason: "no usable digest challenge")
            }
            call.cseq += 1
            call.invite.cseq = call.cseq
            call.invite.vias = [via()]
            if status == 401 { call.invite.authorization = [header] } else { call.invite.proxyAuthorization = [header] }
            transmit(call.invite)
        default:
            sendACK(for: response, call, success: false)
            end(call, reason: Self.reason(status))
        }
    }

    // MARK: - Calls in

    private func incoming(_ invite: SIPMessage, from peer: SocketAddress) {
        if let call, call.callID == invite.callID {
            // A retransmission, or a re-INVITE (hold, resume): answer with the same media.
            if call.answered, invite.to.tag != nil, let bridge = call.bridge {
                var ok = response(to: invite, status: 200, reason: "OK", tag: call.localTag)
                ok.contentType = "application/sdp"
                ok.body = Array(plainSDP(bridge, payloadType: call.offeredTypes.first ?? 0, telephoneEvent: call.telephoneEvent).utf8)
                if let sdp = SessionDescription(invite.bodyText), let host = sdp.connectionAddress, let port = sdp.audioPort, host != "0.0.0.0" {
                    bridge.setRelay(host: host, port: port)
                }
                transmit(ok)
            } else if !call.answered {
                transmit(response(to: invite, status: 180, reason: "Ringing", tag: call.localTag))
            }
            return
        }
        guard call == nil else { return transmit(response(to: invite, status: 486, reason: "Busy Here", tag: RandomID.hex(5))) }
        guard let sdp = SessionDescription(invite.bodyText), sdp.payloadTypes.contains(where: { $0 == 0 || $0 == 8 }) else {
            return transmit(response(to: invite, status: 488, reason: "Not Acceptable Here", tag: RandomID.hex(5)))
        }
        let caller = invite.from.displayName.flatMap { $0.isEmpty ? nil : $0 } ?? invite.from.uri.user ?? "?"
        let call = Call(outgoing: false, callID: invite.callID, localTag: RandomID.hex(5), cseq: 0, invite: invite,
                        peer: invite.from.uri.user ?? caller)
        call.remoteTag = invite.from.tag
        call.remoteTarget = invite.contacts.first?.uri
        call.offeredTypes = sdp.payloadTypes.filter { $0 == 0 || $0 == 8 }
        call.telephoneEvent = sdp.telephoneEvent8kPayloadType
        self.call = call
        transmit(response(to: invite, status: 180, reason: "Ringing", tag: call.localTag))
        logger.info("web phone: incoming call", metadata: ["line": "\(settings.line)", "from": "\(call.peer)"])
        events(.incoming(from: call.peer))
    }

    private func accept() {
        guard let call, !call.outgoing, !call.answered, call.bridge == nil else { return events(.error("no call is ringing")) }
        let payloadType = call.offeredTypes.first ?? 0
        // The browser's fingerprint comes with its answer; the association checks it then.
        MediaBridge.open(on: loop, bindHost: settings.mediaBindHost, address: settings.mediaAddress, plainHost: "127.0.0.1",
                         context: dtls, expectedFingerprint: "", logger: logger).whenComplete { [self] result in
            guard self.call === call else {
                if case .success(let bridge) = result { bridge.close() }
                return
            }
            guard case .success(let bridge) = result else { return end(call, reason: "no media port", status: 503) }
            call.bridge = bridge
            bridge.onFailed = { [weak self] why in self?.hangUp(reason: "media failed: \(why)") }
            if let sdp = SessionDescription(call.invite.bodyText), let host = sdp.connectionAddress, let port = sdp.audioPort {
                bridge.setRelay(host: host, port: port)
            }
            events(.offer(sdp: bridge.endpoint.description(setup: "actpass", mid: "0", payloadType: payloadType,
                                                          telephoneEvent: call.telephoneEvent, sessionID: UInt64.random(in: 1...UInt64(Int64.max)))))
        }
    }

    private func answerIncoming(browserSDP: String) {
        guard let call, !call.outgoing, !call.answered, let bridge = call.bridge else { return events(.error("no call to answer")) }
        guard let answer = BrowserDescription(browserSDP), answer.setup == "active" else {
            return events(.error("the browser's answer must take the DTLS client role (a=setup:active)"))
        }
        bridge.expectFingerprint(answer.fingerprint)
        call.answered = true
        let payloadType = call.offeredTypes.first ?? 0
        var ok = response(to: call.invite, status: 200, reason: "OK", tag: call.localTag)
        ok.contentType = "application/sdp"
        ok.body = Array(plainSDP(bridge, payloadType: payloadType, telephoneEvent: call.telephoneEvent).utf8)
        transmit(ok)
        events(.connected)
    }

    private func rejectIncoming() {
        guard let call, !call.outgoing, !call.answered else { return }
        transmit(response(to: call.invite, status: 486, reason: "Busy Here", tag: call.localTag))
        end(call, reason: "refused")
    }

    // MARK: - Ending

    private func hangUp(reason: String) {
        guard let call else { return }
        if call.answered {
            sendInDialog("BYE", call)
        } else if call.outgoing {
            // CANCEL carries the INVITE's branch and number.
            var cancel = call.invite
            cancel.startLine = .request(method: "CANCEL", uri: call.invite.requestURI ?? SIPURI(user: nil, host: settings.domain))
            cancel.cseqMethod = "CANCEL"
            cancel.body = []
            cancel.contentType = nil
            cancel.authorization = []
            cancel.proxyAuthorization = []
            transmit(cancel)
        } else {
            transmit(response(to: call.invite, status: 486, reason: "Busy Here", tag: call.localTag))
        }
        end(call, reason: reason)
    }

    private func end(_ ended: Call, reason: String, status: Int? = nil) {
        guard call === ended else { return }
        if let status, !ended.outgoing, !ended.answered {
            transmit(response(to: ended.invite, status: status, reason: "Service Unavailable", tag: ended.localTag))
        }
        ended.bridge?.close()
        call = nil
        logger.info("web phone: call ended", metadata: ["line": "\(settings.line)", "reason": "\(reason)"])
        events(.ended(reason: reason))
    }

    // MARK: - SIP in

    private func received(_ from: SocketAddress, _ bytes: [UInt8]) {
        guard let message = try? SIPParser.parse(bytes) else { return }
        if !message.isRequest {
            if message.cseqMethod == "REGISTER", message.callID == registerCallID {
                return registerAnswered(message)
            }
            guard let call, call.callID == message.callID else { return }
            if message.cseqMethod == "INVITE", call.outgoing { inviteAnswered(message, call) }
            if message.cseqMethod == "CANCEL" { return }
            return
        }
        switch message.method {
        case "INVITE":
            incoming(message, from: from)
        case "ACK":
            return
        case "BYE":
            transmit(response(to: message, status: 200, reason: "OK", tag: message.to.tag))
            if let call, call.callID == message.callID { end(call, reason: "the other side hung up") }
        case "CANCEL":
            transmit(response(to: message, status: 200, reason: "OK", tag: message.to.tag))
            if let call, call.callID == message.callID, !call.answered {
                transmit(response(to: call.invite, status: 487, reason: "Request Terminated", tag: call.localTag))
                end(call, reason: "the caller gave up")
            }
        default:
            // OPTIONS (the server's keep-alive), INFO, NOTIFY…: acknowledged.
            transmit(response(to: message, status: 200, reason: "OK", tag: message.to.tag ?? RandomID.hex(5)))
        }
    }

    // MARK: - SIP out

    /// The call's media as SIP sees it: plain RTP on the bridge's loopback port, the server's
    /// own one-stream SDP (the law and telephone-event the browser side uses).
    private func plainSDP(_ bridge: MediaBridge, payloadType: Int, telephoneEvent: Int?) -> String {
        SessionDescription.terminatedAnswer(address: "127.0.0.1", port: bridge.plainPort, payloadType: payloadType,
                                            telephoneEvent: telephoneEvent, sessionID: UInt64(Date().timeIntervalSince1970))
    }

    private var aor: SIPURI { SIPURI(user: settings.line, host: settings.domain) }
    private var contact: NameAddress { NameAddress(uri: SIPURI(user: settings.line, host: "127.0.0.1", port: localPort)) }

    private func via() -> Via {
        Via(transport: "UDP", host: "127.0.0.1", port: localPort, parameters: [("branch", "z9hG4bK" + RandomID.hex(8)), ("rport", nil)])
    }

    private func transmit(_ message: SIPMessage) {
        send(message.serialized(), to: settings.server, on: channel)
    }

    private func response(to request: SIPMessage, status: Int, reason: String, tag: String?) -> SIPMessage {
        var to = request.to
        if let tag, to.tag == nil { to = to.withTag(tag) }
        return SIPMessage(startLine: .response(status: status, reason: reason), vias: request.vias, from: request.from, to: to,
                          callID: request.callID, cseq: request.cseq, cseqMethod: request.cseqMethod,
                          contacts: status < 300 && request.method == "INVITE" ? [contact] : [],
                          recordRoutes: request.recordRoutes)
    }

    /// ACK for a final response to our INVITE: the INVITE's branch for a failure, a new
    /// transaction to the remote target for a 2xx.
    private func sendACK(for response: SIPMessage, _ call: Call, success: Bool) {
        let uri = success ? (response.contacts.first?.uri ?? call.invite.requestURI!) : call.invite.requestURI!
        let ack = SIPMessage(startLine: .request(method: "ACK", uri: uri), vias: success ? [via()] : call.invite.vias,
                             from: call.invite.from, to: response.to, callID: call.callID, cseq: call.cseq, cseqMethod: "ACK",
                             otherHeaders: [("Max-Forwards", "70")])
        transmit(ack)
    }

    private func sendInDialog(_ method: String, _ call: Call) {
        let local = NameAddress(uri: aor).withTag(call.localTag)
        let remote: NameAddress
        if call.outgoing {
            remote = NameAddress(uri: call.invite.to.uri).withTag(call.remoteTag ?? "")
        } else {
            remote = call.invite.from
        }
        call.cseq += 1
        let uri = call.remoteTarget ?? remote.uri
        let request = SIPMessage(startLine: .request(method: method, uri: uri), vias: [via()], from: local, to: remote,
                                 callID: call.callID, cseq: call.cseq, cseqMethod: method, otherHeaders: [("Max-Forwards", "70")])
        transmit(request)
    }

    /// An Authorization value answering the first challenge we can (MD5 or SHA-256 with
    /// the line's HA1 for that algorithm; the store keeps MD5's).
    private func authorization(for challenges: [String], method: String, uri: String) -> String? {
        guard let challenge = challenges.compactMap(DigestChallenge.init(header:)).first(where: { $0.algorithm == .md5 }) else { return nil }
        return DigestCredentials(answering: challenge, username: settings.line, ha1: settings.ha1, method: method, uri: uri,
                                 cnonce: RandomID.hex(8)).headerValue
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 486, 600: "busy (\(status))"
        case 408, 480, 487: "no answer (\(status))"
        case 404: "not found (404)"
        case 403: "not allowed (403)"
        default: "failed (\(status))"
        }
    }
}

private final class AgentBox: @unchecked Sendable {
    var agent: WebPhoneAgent?
}
