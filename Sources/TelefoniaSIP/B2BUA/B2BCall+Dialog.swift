import TelefoniaCore

extension B2BCall {
    /// A request inside the dialog of one leg, with our next CSeq for it.
    func inDialogRequest(_ method: String, to side: LegSide, context: SignallingContext) -> SIPMessage? {
        switch side {
        case .a:
            aLocalCSeq += 1
            return SIPMessage(
                startLine: .request(method: method, uri: aRemoteTarget), vias: [context.ourVia(aPeer.kind)],
                from: aInvite.to.withTag(aTag), to: aInvite.from, callID: aInvite.callID,
                cseq: aLocalCSeq, cseqMethod: method, contacts: method == "INVITE" ? [context.ourContact(aPeer.kind)] : [],
                otherHeaders: [("Max-Forwards", "70"), ("User-Agent", "Telefonia")])
        case .b:
            guard let bFrom, let bTo, let target = bRemoteTarget, let peer = bPeer else { return nil }
            bLocalCSeq += 1
            return SIPMessage(
                startLine: .request(method: method, uri: target), vias: [context.ourVia(peer.kind)],
                from: bFrom, to: bTo, callID: bCallID, cseq: bLocalCSeq, cseqMethod: method,
                contacts: method == "INVITE" ? [context.ourContact(peer.kind)] : [],
                otherHeaders: [("Max-Forwards", "70"), ("User-Agent", "Telefonia")])
        }
    }

    /// ACK for a 2xx: a new transaction to the remote target (RFC 3261 §13.2.2.4).
    static func ackFor2xx(_ invite: SIPMessage, response: SIPMessage, context: SignallingContext) -> SIPMessage {
        let target = response.contacts.first?.uri ?? invite.requestURI!
        return SIPMessage(
            startLine: .request(method: "ACK", uri: target), vias: [context.ourVia(.udp).with(transport: invite.vias[0].transport)],
            from: invite.from, to: response.to, callID: invite.callID, cseq: invite.cseq, cseqMethod: "ACK",
            otherHeaders: [("Max-Forwards", "70")])
    }
}

extension Via {
    func with(transport: String) -> Via {
        var copy = self
        copy.transport = transport
        return copy
    }
}

extension String {
    /// A value safe inside a quoted header parameter (Reason text).
    func replacingQuotesForHeader() -> String {
        String(filter { $0 != "\"" && $0 != "\r" && $0 != "\n" && $0 != "\\" }.prefix(200))
    }
}
