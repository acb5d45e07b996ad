import Logging
import NIOCore
import TelefoniaCore

/// The B leg, where we are the UAC: an INVITE to every contact of the callee (or to
/// the trunk), first 2xx wins and the other forks are cancelled; a late 2xx is ACKed
/// and BYEd. Feeds the engine ringing, answered and rejected.
final class BLegDialer {
    private let context: SignallingContext
    private unowned let b2bua: B2BUA

    init(context: SignallingContext, b2bua: B2BUA) {
        self.context = context
        self.b2bua = b2bua
    }

    /// Dials the B leg: the caller's offer anchored on the relay, or `offer` (an
    /// application's own media, `ApplicationHost.connect`).
    func dial(_ call: B2BCall, target: CallTarget, callerID: String, offer explicitOffer: String? = nil) {
        guard let offer = explicitOffer ?? call.origination?.offer
                ?? call.relay.flatMap({ call.aOffer.anchored(address: context.localHost, port: $0.bPort) }) else {
            report(.rejected(call.id, status: 488), of: call)
            return
        }
        let domain: String
        var destinations: [(SIPURI, SIPPeer, String?)] = []
        let toURI: SIPURI
        switch target {
        case .line(let tenantID, let ext, let contacts, let tenantDomain):
            call.bTargetLine = ext
            call.bTargetTenant = tenantID
            domain = tenantDomain
            toURI = SIPURI(user: ext, host: domain)
            for registration in contacts {
                guard let uri = SIPURIParser.parse(registration.contact), let peer = SIPPeer(registration.source) else { continue }
                destinations.append((uri, peer, registration.contact))
            }
        case .application:
            return
        case .trunk(let trunk, let number):
            domain = context.localHost
            let uri = SIPURI(user: number, host: trunk.host, port: trunk.port, parameters: [("user", "phone")])
            toURI = uri
            let kind: SIPPeer.Kind = trunk.transport.lowercased() == "tcp" ? .tcp : .udp
            // Trunks are configured by IP address; a host name would need a resolver off the loop.
            if let address = try? SocketAddress(ipAddress: trunk.host, port: trunk.port) {
                destinations.append((uri, SIPPeer(kind: kind, address: address), nil))
            } else {
                context.logger.error("trunk host is not an IP address", metadata: ["trunk": "\(trunk.id)", "host": "\(trunk.host)"])
            }
        }
        guard !destinations.isEmpty else {
            report(.rejected(call.id, status: 480), of: call)
            return
        }
        let from = NameAddress(displayName: call.aInvite.from.displayName,
                               uri: SIPURI(user: callerID, host: domain)).withTag(call.bFromTag)
        call.bFrom = from
        b2bua.indexBLeg(call)
        for (uri, peer, contact) in destinations {
            let invite = SIPMessage(
                startLine: .request(method: "INVITE", uri: uri), vias: [context.ourVia(peer.kind)],
                from: from, to: NameAddress(uri: toURI), callID: call.bCallID, cseq: call.bLocalCSeq, cseqMethod: "INVITE",
                contacts: [context.ourContact(peer.kind)], contentType: "application/sdp",
                otherHeaders: [("Max-Forwards", "70"), ("User-Agent", "Telefonia"), ("Allow", SignallingContext.allow)],
                body: Array(offer.utf8))
            let branch = BBranch(invite: invite, peer: peer, contact: contact)
            call.branches.append(branch)
            context.transactions.sendRequest(invite, to: peer) { [weak self] response in
                self?.branchResponse(response, branch: branch, call: call)
            }
        }
    }

    /// Cancels every fork still ringing (a fork without a provisional yet is cancelled when one comes, §9.1).
    func cancelForks(of call: B2BCall) {
        for branch in call.branches where branch.finalStatus == nil && !branch.cancelled {
            if branch.provisional { sendCancel(branch) } else { branch.cancelPending = true }
        }
    }

    private func branchResponse(_ response: SIPMessage, branch: BBranch, call: B2BCall) {
        let status = response.statusCode
        if status < 200 {
            // Any provisional response, 100 included, allows the CANCEL (RFC 3261 §9.1).
            branch.provisional = true
            if branch.cancelPending {
                branch.cancelPending = false
                sendCancel(branch)
                return
            }
            guard status > 100 else { return }
            if !call.ended, call.winner == nil { report(.ringing(call.id), of: call) }
            return
        }
        if status < 300 {
            // Every 2xx is ACKed, retransmissions included (RFC 3261 §13.2.2.4).
            context.transport.send(B2BCall.ackFor2xx(branch.invite, response: response, context: context).serialized(), to: branch.peer)
            if call.winner === branch { return }
            branch.finalStatus = status
            guard !call.ended, call.winner == nil, call.branches.contains(where: { $0 === branch }) else {
                // Lost the race, belongs to an attempt given up (a group's previous member),
                // or the call is gone: end this fork's dialog.
                sendBye(toFork: branch, response: response)
                return
            }
            call.winner = branch
            call.bTo = response.to
            call.bRemoteTarget = response.contacts.first?.uri ?? branch.invite.requestURI
            call.bPeer = branch.peer
            for other in call.branches where other !== branch && other.finalStatus == nil {
                if other.provisional { sendCancel(other) } else { other.cancelPending = true }
            }
            if let answer = SessionDescription(response.bodyText) {
                call.bAnswer = answer
                if let host = answer.connectionAddress, let port = answer.audioPort, host != "0.0.0.0" {
                    call.relay?.setRemote(.b, host: host, port: port)
                }
            }
            if call.answeredAt == nil { call.answeredAt = context.clock.nowMillis() }
            report(.answered(call.id), of: call)
            return
        }
        branch.finalStatus = status
        guard !call.ended, call.winner == nil, call.branches.contains(where: { $0 === branch }),
              call.branches.allSatisfy({ $0.finalStatus != nil }) else { return }
        let statuses = call.branches.compactMap(\.finalStatus)
        let best = statuses.first { [486, 600, 603].contains($0) } ?? statuses.first { $0 != 487 } ?? 487
        report(.rejected(call.id, status: best), of: call)
    }

    /// What the B leg did goes to the engine, or to the application whose leg it is.
    private func report(_ event: CallEvent, of call: B2BCall) {
        if let connection = call.connection {
            connection.handle(event)
        } else if let transfer = call.transfer {
            transfer.handle(event)
        } else {
            b2bua.driver.feed(event)
        }
    }

    private func sendCancel(_ branch: BBranch) {
        branch.cancelled = true
        guard let uri = branch.invite.requestURI else { return }
        // CANCEL copies the INVITE's Request-URI, Via (branch), From, To, Call-ID and CSeq number (§9.1).
        let cancel = SIPMessage(
            startLine: .request(method: "CANCEL", uri: uri), vias: Array(branch.invite.vias.prefix(1)),
            from: branch.invite.from, to: branch.invite.to, callID: branch.invite.callID, cseq: branch.invite.cseq,
            cseqMethod: "CANCEL", otherHeaders: [("Max-Forwards", "70")])
        context.transactions.sendRequest(cancel, to: branch.peer) { _ in }
    }

    private func sendBye(toFork branch: BBranch, response: SIPMessage) {
        let target = response.contacts.first?.uri ?? branch.invite.requestURI!
        let bye = SIPMessage(
            startLine: .request(method: "BYE", uri: target), vias: [context.ourVia(branch.peer.kind)],
            from: branch.invite.from, to: response.to, callID: branch.invite.callID, cseq: branch.invite.cseq + 1,
            cseqMethod: "BYE", otherHeaders: [("Max-Forwards", "70")])
        context.transactions.sendRequest(bye, to: branch.peer) { _ in }
    }
}
