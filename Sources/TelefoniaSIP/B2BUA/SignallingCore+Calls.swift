import Logging
import NIOCore
import TelefoniaCore

extension SignallingCore {
    // MARK: - New calls

    /// An initial INVITE: identify the caller (trunk by address, phone by digest),
    /// bind relay ports, then let the engine route it.
    func handleInvite(_ request: SIPMessage, from peer: SIPPeer) {
        if draining {
            respond(request, 503, "Service Unavailable (shutting down)", peer: peer)
            return
        }
        if callsByA[B2BCall.aKey(callID: request.callID, fromTag: request.from.tag)] != nil {
            respond(request, 482, peer: peer)
            return
        }
        let origin: CallOrigin
        var tenantID: String?
        let trunks = (try? store.trunks()) ?? []
        if let trunk = trunks.first(where: { $0.host == peer.host && $0.port == peer.port }) {
            origin = .trunk(trunkID: trunk.id)
        } else {
            guard let (tenant, line) = authenticate(request, aor: request.from.uri, peer: peer, proxy: true) else { return }
            origin = .line(tenantID: tenant.id, extensionNumber: line.extensionNumber)
            tenantID = tenant.id
        }
        guard request.contentType?.lowercased().hasPrefix("application/sdp") == true,
              let offer = SessionDescription(request.bodyText) else {
            var response = request.response(488, "Not Acceptable Here (an SDP offer is required)", toTag: Self.newTag())
            response.setHeader("Accept", "application/sdp")
            transactions.respond(to: request, with: response, peer: peer)
            return
        }
        let call = B2BCall(id: CallID(Self.randomHex(12)), aInvite: request, aPeer: peer, aOffer: offer)
        call.aInviteKeys[request.cseq] = TransactionLayer.serverKey(request)
        call.tenantID = tenantID
        transactions.respond(to: request, with: request.response(100), peer: peer)
        calls[call.id] = call
        callsByA[call.aKey] = call
        relay.allocate().hop(to: loop).whenComplete { [self] result in
            switch result {
            case .failure(let error):
                logger.error("no media ports", metadata: ["tel.call_id": "\(call.id)", "error": "\(error)"])
                sendFinalToA(call, status: 503, reason: "Service Unavailable (no media ports)")
                forget(call)
            case .success(let session):
                call.relay = session
                if call.ended {
                    _ = session.close()
                    return
                }
                if let host = offer.connectionAddress, let port = offer.audioPort, host != "0.0.0.0" {
                    session.setRemote(.a, host: host, port: port)
                }
                call.offered = true
                let user = request.requestURI?.user ?? request.to.uri.user ?? ""
                run(engine.handle(.offered(CallOffer(
                    callID: call.id, origin: origin, caller: request.from.uri.user ?? "anonymous", dialled: user))))
            }
        }
    }

    /// CANCEL matches the INVITE's server transaction (same branch, RFC 3261 §9.2).
    func handleCancel(_ request: SIPMessage, from peer: SIPPeer) {
        let inviteKey = TransactionLayer.serverKey(request, method: "INVITE")
        guard transactions.isPending(inviteKey: inviteKey),
              let call = callsByA[B2BCall.aKey(callID: request.callID, fromTag: request.from.tag)] else {
            respond(request, 481, peer: peer)
            return
        }
        transactions.respond(to: request, with: request.response(200, toTag: call.aTag), peer: peer)
        if call.offered {
            run(engine.handle(.cancelled(call.id)))
        } else {
            call.ended = true
            sendFinalToA(call, status: 487, reason: nil)
            forget(call)
        }
    }

    /// Finds the call and side an in-dialog request belongs to.
    func dialog(for request: SIPMessage) -> (B2BCall, LegSide)? {
        if let call = callsByA[B2BCall.aKey(callID: request.callID, fromTag: request.from.tag)] { return (call, .a) }
        if let call = callsByB[request.callID] { return (call, .b) }
        return nil
    }

    /// BYE, re-INVITE, UPDATE, INFO and OPTIONS inside a dialog.
    func handleInDialog(_ request: SIPMessage, from peer: SIPPeer) {
        guard let (call, side) = dialog(for: request) else {
            respond(request, 481, peer: peer)
            return
        }
        let tag = side == .a ? call.aTag : call.bFromTag
        switch request.method {
        case "BYE":
            // The CDR is written (durably) before the BYE is acknowledged.
            if call.answeredAt != nil {
                run(engine.handle(.hungUp(call.id, side: side)))
            }
            transactions.respond(to: request, with: request.response(200, toTag: tag), peer: peer)
        case "INVITE":
            forwardReinvite(request, from: side, of: call, peer: peer)
        case "INFO":
            // DTMF by SIP INFO (application/dtmf-relay or application/dtmf) for an application.
            let digit = Self.infoDigit(request)
            logger.debug("INFO", metadata: ["tel.call_id": "\(call.id)", "digit": "\(digit.map(String.init) ?? "-")",
                                            "content-type": "\(request.contentType ?? "-")"])
            if let channel = call.channel, let digit {
                channel.deliver(digit: digit)
            }
            transactions.respond(to: request, with: request.response(200, toTag: tag), peer: peer)
        default:
            transactions.respond(to: request, with: request.response(200, toTag: tag), peer: peer)
        }
    }

    /// The digit of an INFO body: `Signal=5` (application/dtmf-relay) or `5` (application/dtmf).
    static func infoDigit(_ request: SIPMessage) -> Character? {
        let type = request.contentType?.lowercased() ?? ""
        let text = request.bodyText
        var value: Substring?
        if type.hasPrefix("application/dtmf-relay") {
            for line in text.split(whereSeparator: \.isNewline) {
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmed().lowercased() == "signal" { value = parts[1].trimmed() }
            }
        } else if type.hasPrefix("application/dtmf") {
            value = text.trimmed().split(whereSeparator: \.isNewline).first.map { $0.trimmed() }
        }
        guard let value, let first = value.first, value.count <= 2 else { return nil }
        if value == "10" { return "*" }
        if value == "11" { return "#" }
        return "0123456789*#ABCDabcd".contains(first) ? Character(first.uppercased()) : nil
    }

    /// ACK for a 2xx: ends our retransmission of that 2xx.
    func handleDialogACK(_ request: SIPMessage) {
        guard let call = callsByA[B2BCall.aKey(callID: request.callID, fromTag: request.from.tag)],
              let key = call.aInviteKeys[request.cseq] else { return }
        transactions.acknowledged(inviteKey: key)
    }

    // MARK: - Re-INVITE (hold / resume)

    /// Passes a re-INVITE to the other leg with the SDP anchored again, and its answer back.
    private func forwardReinvite(_ request: SIPMessage, from side: LegSide, of call: B2BCall, peer: SIPPeer) {
        let tag = side == .a ? call.aTag : call.bFromTag
        guard call.answeredAt != nil, let relay = call.relay else {
            respond(request, 491, peer: peer, toTag: tag)
            return
        }
        guard !call.reinviteInProgress else {
            respond(request, 491, peer: peer, toTag: tag)
            return
        }
        let other: LegSide = side == .a ? .b : .a
        guard let offer = SessionDescription(request.bodyText),
              let anchored = offer.anchored(address: localHost, port: other == .a ? relay.aPort : relay.bPort) else {
            respond(request, 488, peer: peer, toTag: tag)
            return
        }
        if side == .a { call.aInviteKeys[request.cseq] = TransactionLayer.serverKey(request) }
        if let host = offer.connectionAddress, let port = offer.audioPort, host != "0.0.0.0" {
            relay.setRemote(side, host: host, port: port)
        }
        call.reinviteInProgress = true
        transactions.respond(to: request, with: request.response(100), peer: peer)
        guard var invite = inDialogRequest("INVITE", to: other, of: call) else { return }
        invite.contentType = "application/sdp"
        invite.body = Array(anchored.utf8)
        let targetPeer = other == .a ? call.aPeer : call.bPeer!
        var answered = false
        transactions.sendRequest(invite, to: targetPeer) { [self] response in
            let status = response.statusCode
            guard status >= 200 else { return }
            if status < 300 {
                // Every 2xx is ACKed, retransmissions too; only the first is passed on.
                transport.send(ackFor2xx(invite, response: response).serialized(), to: targetPeer)
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
                reply.contacts = [ourContact(peer.kind)]
            }
            transactions.respond(to: request, with: reply, peer: peer)
        }
    }

    // MARK: - Building in-dialog requests

    /// A request inside the dialog of one leg, with our next CSeq for it.
    func inDialogRequest(_ method: String, to side: LegSide, of call: B2BCall) -> SIPMessage? {
        switch side {
        case .a:
            call.aLocalCSeq += 1
            return SIPMessage(
                startLine: .request(method: method, uri: call.aRemoteTarget), vias: [ourVia(call.aPeer.kind)],
                from: call.aInvite.to.withTag(call.aTag), to: call.aInvite.from, callID: call.aInvite.callID,
                cseq: call.aLocalCSeq, cseqMethod: method, contacts: method == "INVITE" ? [ourContact(call.aPeer.kind)] : [],
                otherHeaders: [("Max-Forwards", "70"), ("User-Agent", "Telefonia")])
        case .b:
            guard let bFrom = call.bFrom, let bTo = call.bTo, let target = call.bRemoteTarget, let peer = call.bPeer else { return nil }
            call.bLocalCSeq += 1
            return SIPMessage(
                startLine: .request(method: method, uri: target), vias: [ourVia(peer.kind)],
                from: bFrom, to: bTo, callID: call.bCallID, cseq: call.bLocalCSeq, cseqMethod: method,
                contacts: method == "INVITE" ? [ourContact(peer.kind)] : [],
                otherHeaders: [("Max-Forwards", "70"), ("User-Agent", "Telefonia")])
        }
    }

    /// ACK for a 2xx: a new transaction to the remote target (RFC 3261 §13.2.2.4).
    func ackFor2xx(_ invite: SIPMessage, response: SIPMessage) -> SIPMessage {
        let target = response.contacts.first?.uri ?? invite.requestURI!
        return SIPMessage(
            startLine: .request(method: "ACK", uri: target), vias: [ourVia(.udp).with(transport: invite.vias[0].transport)],
            from: invite.from, to: response.to, callID: invite.callID, cseq: invite.cseq, cseqMethod: "ACK",
            otherHeaders: [("Max-Forwards", "70")])
    }

    func sendFinalToA(_ call: B2BCall, status: Int, reason: String?, extraHeaders: [(String, String)] = []) {
        guard !call.aFinalSent else { return }
        call.aFinalSent = true
        var response = call.aInvite.response(status, reason, toTag: call.aTag)
        for (name, value) in extraHeaders { response.setHeader(name, value) }
        transactions.respond(to: call.aInvite, with: response, peer: call.aPeer)
    }

    /// Drops every index of a finished call and frees its media ports.
    func forget(_ call: B2BCall) {
        call.ended = true
        calls[call.id] = nil
        callsByA[call.aKey] = nil
        callsByB[call.bCallID] = nil
        finishRecording(call)
        for listener in call.listeners { listener.stop() }
        if let relay = call.relay { _ = relay.close() }
        if let channel = call.channel {
            channel.close()
            if let port = call.channelPort { self.relay.releasePort(port) }
        }
        // Every timer of the call (ring, prepaid credit): none may fire for a forgotten call.
        for key in CallTimer.allCases.map({ timerKey(call.id, $0) }) {
            timers.removeValue(forKey: key)?.cancel()
        }
    }

    func timerKey(_ id: CallID, _ timer: CallTimer) -> String { id.rawValue + "|" + timer.rawValue }
}

extension Via {
    func with(transport: String) -> Via {
        var copy = self
        copy.transport = transport
        return copy
    }
}
