import Foundation
import Logging
import NIOCore
import TelefoniaCore

extension SignallingCore {
    /// Carries out the engine's actions, in order.
    func run(_ actions: [CallAction]) {
        for action in actions {
            switch action {
            case .record(let cdr):
                do {
                    try store.append(cdr)
                } catch {
                    logger.critical("CDR not written", metadata: ["tel.call_id": "\(cdr.id)", "error": "\(error)"])
                }
            case .reject(let id, let status, let reason):
                guard let call = calls[id] else { continue }
                var extra: [(String, String)] = []
                if status != 487 {
                    extra.append(("Reason", "SIP;cause=\(status);text=\"\(reason.replacingQuotesForHeader())\""))
                }
                sendFinalToA(call, status: status, reason: nil, extraHeaders: extra)
            case .dial(let id, .application(let name), _):
                guard let call = calls[id] else { continue }
                startApplication(name, on: call)
            case .dial(let id, let target, let callerID):
                guard let call = calls[id] else { continue }
                dial(call, target: target, callerID: callerID)
            case .ring(let id):
                guard let call = calls[id], !call.aFinalSent else { continue }
                var response = call.aInvite.response(180, toTag: call.aTag)
                response.contacts = [ourContact(call.aPeer.kind)]
                transactions.respond(to: call.aInvite, with: response, peer: call.aPeer)
            case .answer(let id):
                guard let call = calls[id], !call.aFinalSent else { continue }
                let answer: String
                if let channel = call.channel {
                    answer = SessionDescription.terminatedAnswer(
                        address: localHost, port: channel.port, payloadType: channel.law.payloadType,
                        telephoneEvent: channel.telephoneEventPayloadType, sessionID: UInt64(clock.nowMillis()))
                } else if let relay = call.relay {
                    answer = call.bAnswer?.anchored(address: localHost, port: relay.aPort)
                        ?? call.aOffer.anchored(address: localHost, port: relay.aPort) ?? ""
                } else {
                    continue
                }
                call.aFinalSent = true
                var response = call.aInvite.response(200, toTag: call.aTag)
                response.contacts = [ourContact(call.aPeer.kind)]
                response.setHeader("Allow", Self.allow)
                response.contentType = "application/sdp"
                response.body = Array(answer.utf8)
                transactions.respond(to: call.aInvite, with: response, peer: call.aPeer)
            case .cancel(let id):
                guard let call = calls[id] else { continue }
                for branch in call.branches where branch.finalStatus == nil && !branch.cancelled {
                    if branch.provisional { sendCancel(branch) } else { branch.cancelPending = true }
                }
            case .hangUp(let id, let side):
                guard let call = calls[id], let bye = inDialogRequest("BYE", to: side, of: call) else { continue }
                let peer = side == .a ? call.aPeer : call.bPeer!
                transactions.sendRequest(bye, to: peer) { _ in }
            case .startTimer(let id, let timer, let seconds):
                let key = timerKey(id, timer)
                timers[key]?.cancel()
                timers[key] = loop.scheduleTask(in: .seconds(Int64(seconds))) { [self] in
                    timers[key] = nil
                    run(engine.handle(.timerFired(id, timer)))
                }
            case .startRecording(let id, let tenantID, let line):
                guard let call = calls[id] else { continue }
                startRecording(call, tenantID: tenantID, line: line)
            case .cancelTimer(let id, let timer):
                timers.removeValue(forKey: timerKey(id, timer))?.cancel()
            case .release(let id):
                guard let call = calls[id] else { continue }
                forget(call)
            }
        }
    }

    // MARK: - Recording

    /// Taps the relay of an answered call into a two-channel WAV under
    /// `<data.dir>/recordings/<tenant>/<yyyy-mm-dd>/<call>.wav`.
    private func startRecording(_ call: B2BCall, tenantID: String, line: String?) {
        guard let relay = call.relay, call.recorder == nil else { return }
        let now = clock.nowMillis()
        let day = String(CDRCSV.iso8601(millis: now).prefix(10))
        let url = URL(fileURLWithPath: configuration.dataDirectory)
            .appendingPathComponent("recordings").appendingPathComponent(tenantID).appendingPathComponent(day)
            .appendingPathComponent(call.id.rawValue + ".wav")
        do {
            let recorder = try CallRecorder(url: url, logger: logger)
            relay.add(tap: recorder)
            call.recorder = recorder
            call.recording = Recording(
                callID: call.id.rawValue, tenantID: tenantID, line: line, from: call.aInvite.from.uri.user ?? "",
                to: call.aInvite.requestURI?.user ?? "", startedAt: now, durationSeconds: 0, sizeBytes: 0, path: url.path)
            if let recordings = store as? any RecordingStore, let row = call.recording {
                // The row exists from the start, so a crash leaves a findable file.
                try recordings.save(row)
            }
        } catch {
            logger.error("recording not started", metadata: ["tel.call_id": "\(call.id)", "error": "\(error)"])
        }
    }

    /// Closes the recording of a finished call and records its length and size.
    func finishRecording(_ call: B2BCall) {
        guard let recorder = call.recorder, var row = call.recording else { return }
        call.relay?.remove(tap: recorder)
        call.recorder = nil
        let (seconds, bytes) = recorder.finish()
        row.durationSeconds = seconds
        row.sizeBytes = bytes
        do {
            try (store as? any RecordingStore)?.save(row)
        } catch {
            logger.error("recording row not updated", metadata: ["tel.call_id": "\(call.id)", "error": "\(error)"])
        }
    }

    // MARK: - Applications

    /// Answers the call on the server and runs an application on an oRTP channel.
    private func startApplication(_ name: String, on call: B2BCall) {
        guard let application = applications[name] ?? conferenceApplication(named: name) ?? listenApplication(named: name) else {
            run(engine.handle(.rejected(call.id, status: 404)))
            return
        }
        let offered = call.aOffer.payloadTypes
        guard let law: G711 = offered.contains(0) ? .muLaw : (offered.contains(8) ? .aLaw : nil) else {
            run(engine.handle(.rejected(call.id, status: 488)))
            return
        }
        let telephoneEvent = configuration.mediaTelephoneEvent ? call.aOffer.telephoneEvent8kPayloadType : nil
        guard let port = relay.reservePort() else {
            run(engine.handle(.rejected(call.id, status: 503)))
            return
        }
        guard let channel = RTPChannel(
            tenantID: call.tenantID ?? configuration.defaultTenant, host: configuration.sipAddress, port: port, law: law,
            telephoneEventPayloadType: telephoneEvent, prompts: prompts, logger: logger)
        else {
            relay.releasePort(port)
            run(engine.handle(.rejected(call.id, status: 503)))
            return
        }
        if let host = call.aOffer.connectionAddress, let remotePort = call.aOffer.audioPort, host != "0.0.0.0" {
            channel.setRemote(host: host, port: remotePort)
        }
        // The relay bound at INVITE time is not needed: media ends here.
        if let session = call.relay {
            _ = session.close()
            call.relay = nil
        }
        call.channel = channel
        call.channelPort = port
        let id = call.id
        channel.onServerHangUp = { [weak self] in
            guard let self else { return }
            self.loop.execute {
                guard self.calls[id] != nil else { return }
                self.run(self.engine.handle(.hungUp(id, side: .b)))
            }
        }
        mediaClock.add(channel)
        call.answeredAt = clock.nowMillis()
        run(engine.handle(.answered(id)))
        let logger = self.logger
        Task {
            await application.run(on: channel, logger: logger)
            await channel.hangUp()
        }
    }

    // MARK: - B leg

    private func dial(_ call: B2BCall, target: CallTarget, callerID: String) {
        guard let relay = call.relay, let offer = call.aOffer.anchored(address: localHost, port: relay.bPort) else {
            run(engine.handle(.rejected(call.id, status: 488)))
            return
        }
        let domain: String
        var destinations: [(SIPURI, SIPPeer)] = []
        let toURI: SIPURI
        switch target {
        case .line(let tenantID, let ext, let contacts):
            call.bTargetLine = ext
            call.bTargetTenant = tenantID
            domain = (try? store.tenant(id: tenantID))?.domain ?? localHost
            toURI = SIPURI(user: ext, host: domain)
            for registration in contacts {
                guard let uri = SIPURIParser.parse(registration.contact), let peer = SIPPeer(registration.source) else { continue }
                destinations.append((uri, peer))
            }
        case .application:
            return
        case .trunk(let trunk, let number):
            domain = localHost
            let uri = SIPURI(user: number, host: trunk.host, port: trunk.port, parameters: [("user", "phone")])
            toURI = uri
            let kind: SIPPeer.Kind = trunk.transport.lowercased() == "tcp" ? .tcp : .udp
            if let address = (try? SocketAddress(ipAddress: trunk.host, port: trunk.port))
                ?? (try? SocketAddress.makeAddressResolvingHost(trunk.host, port: trunk.port)) {
                destinations.append((uri, SIPPeer(kind: kind, address: address)))
            }
        }
        guard !destinations.isEmpty else {
            run(engine.handle(.rejected(call.id, status: 480)))
            return
        }
        let from = NameAddress(displayName: call.aInvite.from.displayName,
                               uri: SIPURI(user: callerID, host: domain)).withTag(call.bFromTag)
        call.bFrom = from
        callsByB[call.bCallID] = call
        for (uri, peer) in destinations {
            let invite = SIPMessage(
                startLine: .request(method: "INVITE", uri: uri), vias: [ourVia(peer.kind)],
                from: from, to: NameAddress(uri: toURI), callID: call.bCallID, cseq: call.bLocalCSeq, cseqMethod: "INVITE",
                contacts: [ourContact(peer.kind)], contentType: "application/sdp",
                otherHeaders: [("Max-Forwards", "70"), ("User-Agent", "Telefonia"), ("Allow", Self.allow)],
                body: Array(offer.utf8))
            let branch = BBranch(invite: invite, peer: peer)
            call.branches.append(branch)
            transactions.sendRequest(invite, to: peer) { [weak self] response in
                self?.branchResponse(response, branch: branch, call: call)
            }
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
            if !call.ended, call.winner == nil { run(engine.handle(.ringing(call.id))) }
            return
        }
        if status < 300 {
            // Every 2xx is ACKed, retransmissions included (RFC 3261 §13.2.2.4).
            transport.send(ackFor2xx(branch.invite, response: response).serialized(), to: branch.peer)
            if call.winner === branch { return }
            branch.finalStatus = status
            guard !call.ended, call.winner == nil else {
                // Lost the race (or the call is gone): end this fork's dialog.
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
            call.answeredAt = clock.nowMillis()
            run(engine.handle(.answered(call.id)))
            return
        }
        branch.finalStatus = status
        guard !call.ended, call.winner == nil, call.branches.allSatisfy({ $0.finalStatus != nil }) else { return }
        let statuses = call.branches.compactMap(\.finalStatus)
        let best = statuses.first { [486, 600, 603].contains($0) } ?? statuses.first { $0 != 487 } ?? 487
        run(engine.handle(.rejected(call.id, status: best)))
    }

    private func sendCancel(_ branch: BBranch) {
        branch.cancelled = true
        guard let uri = branch.invite.requestURI else { return }
        // CANCEL copies the INVITE's Request-URI, Via (branch), From, To, Call-ID and CSeq number (§9.1).
        let cancel = SIPMessage(
            startLine: .request(method: "CANCEL", uri: uri), vias: Array(branch.invite.vias.prefix(1)),
            from: branch.invite.from, to: branch.invite.to, callID: branch.invite.callID, cseq: branch.invite.cseq,
            cseqMethod: "CANCEL", otherHeaders: [("Max-Forwards", "70")])
        transactions.sendRequest(cancel, to: branch.peer) { _ in }
    }

    private func sendBye(toFork branch: BBranch, response: SIPMessage) {
        let target = response.contacts.first?.uri ?? branch.invite.requestURI!
        let bye = SIPMessage(
            startLine: .request(method: "BYE", uri: target), vias: [ourVia(branch.peer.kind)],
            from: branch.invite.from, to: response.to, callID: branch.invite.callID, cseq: branch.invite.cseq + 1,
            cseqMethod: "BYE", otherHeaders: [("Max-Forwards", "70")])
        transactions.sendRequest(bye, to: branch.peer) { _ in }
    }
}

extension String {
    func replacingQuotesForHeader() -> String {
        String(filter { $0 != "\"" && $0 != "\r" && $0 != "\n" && $0 != "\\" }.prefix(200))
    }
}
