import Logging
import NIOCore
import TelefoniaCore

/// A call the server places itself, waiting for its answer.
final class Origination: @unchecked Sendable {
    enum Result: Sendable {
        /// The far end answered: its media reaches this channel of the server.
        case answered(RTPChannel)
        /// It did not (busy, no answer, refused…), with the final status.
        case failed(Int)
    }

    /// The SDP the B leg is offered (the server's channel).
    let offer: String
    private var completion: ((Result) -> Void)?

    init(offer: String, completion: @escaping (Result) -> Void) {
        self.offer = offer
        self.completion = completion
    }

    /// Reports once.
    func finish(_ result: Result) {
        guard let completion else { return }
        self.completion = nil
        completion(result)
    }
}

extension B2BUA {
    /// Places a call from the server on behalf of line `line` of `tenantID` (issue 12's
    /// originate, used by queue callbacks): the line "dials" `number`, so it is routed,
    /// permitted, rated and recorded as that line's call, the record saying `placedBy`.
    /// The calling side is a channel of the server: `completion` (on the loop) gets it
    /// once the far end answered (its media set up), or the final status when it did not.
    /// `ringSeconds` replaces the line's or trunk's ring time. Hang the call up with `hangUpOriginated`. Returns the call, nil when no media port
    /// was free.
    @discardableResult
    func originate(tenantID: String, line: String, number: String, domain: String, placedBy: String, ringSeconds: Int? = nil,
                   completion: @escaping (Origination.Result) -> Void) -> B2BCall? {
        guard let (channel, port) = applications.openChannel(tenantID: tenantID, law: .muLaw, telephoneEvent: 101),
              let local = try? SocketAddress(ipAddress: context.configuration.internalMediaHost, port: context.localPort) else {
            completion(.failed(503))
            return nil
        }
        let now = context.clock.nowMillis()
        let sdp = SessionDescription.terminatedAnswer(address: context.localHost, port: port, payloadType: G711.muLaw.payloadType,
                                                      telephoneEvent: 101, sessionID: UInt64(now))
        let invite = SIPMessage(
            startLine: .request(method: "INVITE", uri: SIPURI(user: number, host: domain)), vias: [context.ourVia(.udp)],
            from: NameAddress(uri: SIPURI(user: line, host: domain)).withTag(SignallingContext.newTag()),
            to: NameAddress(uri: SIPURI(user: number, host: domain)), callID: "orig-" + SignallingContext.randomHex(12),
            cseq: 1, cseqMethod: "INVITE", contentType: "application/sdp", body: Array(sdp.utf8))
        guard let offer = SessionDescription(sdp) else {
            channel.close()
            media.releasePort(port)
            completion(.failed(500))
            return nil
        }
        let call = B2BCall(id: CallID(SignallingContext.randomHex(12)), aInvite: invite, aPeer: SIPPeer(kind: .udp, address: local),
                           aOffer: offer)
        call.tenantID = tenantID
        // No phone on the A side: nothing is answered or hung up there.
        call.aFinalSent = true
        call.gone = [.a]
        call.channel = channel
        call.channelPort = port
        applications.mediaClock.add(channel)
        call.origination = Origination(offer: sdp) { [weak call] result in
            if case .answered = result, let call, let answer = call.bAnswer, let host = answer.connectionAddress,
               let remotePort = answer.audioPort, host != "0.0.0.0" {
                channel.setRemote(host: host, port: remotePort)
            }
            completion(result)
        }
        adopt(call)
        call.offered = true
        context.logger.info("originating", metadata: [
            "tel.call_id": "\(call.id)", "tel.tenant": "\(tenantID)", "line": "\(line)", "to": "\(number)", "by": "\(placedBy)",
        ])
        driver.feed(.offered(CallOffer(callID: call.id, origin: .line(tenantID: tenantID, extensionNumber: line), caller: line,
                                       dialled: number, placedBy: placedBy, ringSeconds: ringSeconds)))
        return call
    }

    /// The far end of a call the server placed answered: whoever waits hears of it.
    func originated(_ call: B2BCall) {
        guard let origination = call.origination, let channel = call.channel else { return }
        origination.finish(.answered(channel))
    }

    /// The server's side of an originated call hangs up (its record is written; the far end gets BYE).
    func hangUpOriginated(_ call: B2BCall) {
        guard !call.ended, calls[call.id] != nil else { return }
        if call.answeredAt == nil {
            driver.feed(.cancelled(call.id))
        } else {
            driver.feed(.hungUp(call.id, side: .a))
        }
    }
}
