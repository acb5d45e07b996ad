import NIOCore
import TelefoniaCore

/// Re-INVITEs inside an answered call (hold, resume, a new media address): passed to
/// the other leg with the SDP anchored again, and its answer passed back.
final class ReinviteRelay {
    private let context: SignallingContext

    init(context: SignallingContext) {
        self.context = context
    }

    func forward(_ request: SIPMessage, from side: LegSide, of call: B2BCall, peer: SIPPeer) {
        let tag = side == .a ? call.aTag : call.bFromTag
        // A second re-INVITE while one is in progress gets 491 (RFC 3261 §14.2).
        guard call.answeredAt != nil, let relay = call.relay, !call.reinviteInProgress else {
            context.respond(request, 491, peer: peer, toTag: tag)
            return
        }
        let other: LegSide = side == .a ? .b : .a
        let localHost = context.localHost
        guard let offer = SessionDescription(request.bodyText),
              let anchored = offer.anchored(address: localHost, port: other == .a ? relay.aPort : relay.bPort) else {
            context.respond(request, 488, peer: peer, toTag: tag)
            return
        }
        if side == .a { call.aInviteKeys[request.cseq] = TransactionLayer.serverKey(request) }
        if let host = offer.connectionAddress, let port = offer.audioPort, host != "0.0.0.0" {
            relay.setRemote(side, host: host, port: port)
        }
        call.reinviteInProgress = true
        context.transactions.respond(to: request, with: request.response(100), peer: peer)
        guard var invite = call.inDialogRequest("INVITE", to: other, context: context) else { return }
        invite.contentType = "application/sdp"
        invite.body = Array(anchored.utf8)
        let targetPeer = other == .a ? call.aPeer : call.bPeer!
        var answered = false
        context.transactions.sendRequest(invite, to: targetPeer) { [self] response in
            let status = response.statusCode
            guard status >= 200 else { return }
            if status < 300 {
                // Every 2xx is ACKed, retransmissions too; only the first is passed on.
                context.transport.send(B2BCall.ackFor2xx(invite, response: response, context: context).serialized(), to: targetPeer)
            }
            guard !answered else { return }
            answered = true
            call.reinviteInProgress = false
            guard !call.ended else { return }
            var reply = request.response(status, toTag: tag)
            if status < 300, let answer = SessionDescription(response.bodyText),
               let anchoredAnswer = answer.anchored(address: localHost, port: side == .a ? relay.aPort : relay.bPort) {
                if let host = answer.connectionAddress, let port = answer.audioPort, host != "0.0.0.0" {
                    relay.setRemote(other, host: host, port: port)
                }
                reply.contentType = "application/sdp"
                reply.body = Array(anchoredAnswer.utf8)
                reply.contacts = [context.ourContact(peer.kind)]
            }
            context.transactions.respond(to: request, with: reply, peer: peer)
        }
    }
}
