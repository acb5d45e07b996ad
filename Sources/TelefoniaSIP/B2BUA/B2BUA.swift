import Logging
import NIOCore
import TelefoniaCore

/// The back-to-back user agent: owns the call table and both legs' dialogs of every
/// call, turns SIP into call-engine events (through `CallEngineDriver`) and carries
/// out the engine's actions (`B2BUA+Actions.swift`). The B leg's forks live in
/// `BLegDialer`, re-INVITEs in `ReinviteRelay`, server-terminated media in
/// `ApplicationHost`, recordings in `CallRecordings`. Runs on the signalling loop.
final class B2BUA: @unchecked Sendable {
    let context: SignallingContext
    let driver: CallEngineDriver
    let media: any MediaAnchor
    private let authenticator: DigestAuthenticator
    var dialer: BLegDialer!
    var reinvites: ReinviteRelay!
    var applications: ApplicationHost!
    var recordings: CallRecordings!

    private(set) var calls: [CallID: B2BCall] = [:]
    private var callsByA: [String: B2BCall] = [:]
    private var callsByB: [String: B2BCall] = [:]
    var timers: [String: Scheduled<Void>] = [:]
    private(set) var draining = false
    /// INVITEs whose caller is being looked up, by server transaction key (a CANCEL may end them first).
    private var identifying: [String: SIPMessage] = [:]

    init(context: SignallingContext, media: any MediaAnchor, authenticator: DigestAuthenticator) {
        self.context = context
        self.media = media
        self.authenticator = authenticator
        driver = CallEngineDriver(context: context)
        driver.perform = { [unowned self] actions in perform(actions) }
    }

    /// Calls set up or up, and INVITEs whose caller is being looked up.
    var callsInProgress: Int { calls.count + identifying.count }

    // MARK: - New calls

    /// An initial INVITE: identify the caller (trunk by address, phone by digest; read
    /// on the storage thread), bind relay ports, then let the engine route it.
    func handleInvite(_ request: SIPMessage, from peer: SIPPeer) {
        if draining {
            context.respond(request, 503, "Service Unavailable (shutting down)", peer: peer)
            return
        }
        if callsByA[B2BCall.aKey(callID: request.callID, fromTag: request.from.tag)] != nil {
            context.respond(request, 482, peer: peer)
            return
        }
        guard !authenticator.refuseIfBanned(request, peer: peer) else { return }
        let key = TransactionLayer.serverKey(request)
        identifying[key] = request
        let aor = request.from.uri
        let defaultTenant = context.configuration.defaultTenant
        context.storage.submit(on: context.loop) { store -> (Trunk?, DigestAuthenticator.Identity) in
            if let trunk = try store.trunks().first(where: { $0.host == peer.host && $0.port == peer.port }) {
                return (trunk, DigestAuthenticator.Identity())
            }
            return (nil, try DigestAuthenticator.lookup(aor, defaultTenant: defaultTenant, in: store))
        }.whenComplete { [self] result in
            // Cancelled (and answered 487) while we looked: nothing more to do.
            guard identifying.removeValue(forKey: key) != nil else { return }
            switch result {
            case .failure(let error):
                context.logger.error("caller lookup failed", metadata: ["error": "\(error)"])
                context.respond(request, 500, peer: peer)
            case .success((let trunk?, _)):
                accept(request, from: peer, origin: .trunk(trunkID: trunk.id), tenantID: nil)
            case .success((nil, let identity)):
                guard let (tenant, line) = authenticator.verify(request, aor: aor, identity: identity, peer: peer, proxy: true) else { return }
                accept(request, from: peer, origin: .line(tenantID: tenant.id, extensionNumber: line.extensionNumber), tenantID: tenant.id)
            }
        }
    }

    private func accept(_ request: SIPMessage, from peer: SIPPeer, origin: CallOrigin, tenantID: String?) {
        guard request.contentType?.lowercased().hasPrefix("application/sdp") == true,
              let offer = SessionDescription(request.bodyText) else {
            var response = request.response(488, "Not Acceptable Here (an SDP offer is required)", toTag: SignallingContext.newTag())
            response.setHeader("Accept", "application/sdp")
            context.transactions.respond(to: request, with: response, peer: peer)
            return
        }
        guard !draining, callsByA[B2BCall.aKey(callID: request.callID, fromTag: request.from.tag)] == nil else {
            context.respond(request, draining ? 503 : 482, peer: peer)
            return
        }
        let call = B2BCall(id: CallID(SignallingContext.randomHex(12)), aInvite: request, aPeer: peer, aOffer: offer)
        call.aInviteKeys[request.cseq] = TransactionLayer.serverKey(request)
        call.tenantID = tenantID
        context.transactions.respond(to: request, with: request.response(100), peer: peer)
        calls[call.id] = call
        callsByA[call.aKey] = call
        media.allocate(on: context.loop).whenComplete { [self] result in
            switch result {
            case .failure(let error):
                context.logger.error("no media ports", metadata: ["tel.call_id": "\(call.id)", "error": "\(error)"])
                sendFinalToA(call, status: 503, reason: "Service Unavailable (no media ports)")
                forget(call)
            case .success(let session):
                call.relay = session
                if call.ended {
                    session.close()
                    return
                }
                if let host = offer.connectionAddress, let port = offer.audioPort, host != "0.0.0.0" {
                    session.setRemote(.a, host: host, port: port)
                }
                call.offered = true
                let user = request.requestURI?.user ?? request.to.uri.user ?? ""
                driver.feed(.offered(CallOffer(
                    callID: call.id, origin: origin, caller: request.from.uri.user ?? "anonymous", dialled: user)))
            }
        }
    }

    /// CANCEL matches the INVITE's server transaction (same branch, RFC 3261 §9.2).
    func handleCancel(_ request: SIPMessage, from peer: SIPPeer) {
        let inviteKey = TransactionLayer.serverKey(request, method: "INVITE")
        guard context.transactions.isPending(inviteKey: inviteKey),
              let call = callsByA[B2BCall.aKey(callID: request.callID, fromTag: request.from.tag)] else {
            if let invite = identifying.removeValue(forKey: inviteKey) {
                // Still looking the caller up: the INVITE ends here, with 487.
                let tag = SignallingContext.newTag()
                context.transactions.respond(to: request, with: request.response(200, toTag: tag), peer: peer)
                context.transactions.respond(to: invite, with: invite.response(487, toTag: tag), peer: peer)
                return
            }
            context.respond(request, 481, peer: peer)
            return
        }
        context.transactions.respond(to: request, with: request.response(200, toTag: call.aTag), peer: peer)
        if call.offered {
            driver.feed(.cancelled(call.id))
        } else {
            call.ended = true
            sendFinalToA(call, status: 487, reason: nil)
            forget(call)
        }
    }

    // MARK: - In-dialog requests

    /// The call whose A leg is dialog `callID` with the caller's tag `tag`, if any.
    func call(aCallID callID: String, tag: String) -> B2BCall? {
        callsByA[B2BCall.aKey(callID: callID, fromTag: tag)]
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
            context.respond(request, 481, peer: peer)
            return
        }
        let tag = side == .a ? call.aTag : call.bFromTag
        if call.gone.contains(side) {
            // The transferor of an attended transfer leaving: its dialogs are over, the call goes on.
            context.transactions.respond(to: request, with: request.response(request.method == "BYE" ? 200 : 481, toTag: tag), peer: peer)
            return
        }
        if side == .b, let current = call.bTo?.tag, request.from.tag != current {
            // The B leg that was transferred away (or a fork that lost): its dialog is over.
            context.transactions.respond(to: request, with: request.response(request.method == "BYE" ? 200 : 481, toTag: tag), peer: peer)
            return
        }
        if request.method == "BYE", let split = call.split {
            // A party of a split call leaving: the call goes on unless one party is left.
            let written = split.sideLeft(side) ?? context.loop.makeSucceededVoidFuture()
            written.whenComplete { [self] _ in
                context.transactions.respond(to: request, with: request.response(200, toTag: tag), peer: peer)
            }
            return
        }
        if request.method == "REFER" {
            handleRefer(request, call: call, side: side, peer: peer, tag: tag)
            return
        }
        if side == .b, call.connection != nil {
            // The leg an application placed (an IVR option to a line): its BYE ends the
            // bridge, not the call; the rest is acknowledged (no re-INVITE relay there).
            if request.method == "BYE" { applications.connectedLegHungUp(call) }
            let status = request.method == "INVITE" ? 488 : 200
            context.transactions.respond(to: request, with: request.response(status, toTag: tag), peer: peer)
            return
        }
        switch request.method {
        case "BYE":
            // The CDR is written (durably) before the BYE is acknowledged.
            let written = call.answeredAt != nil ? driver.feed(.hungUp(call.id, side: side)) : context.loop.makeSucceededVoidFuture()
            written.whenComplete { [self] _ in
                context.transactions.respond(to: request, with: request.response(200, toTag: tag), peer: peer)
            }
        case "INVITE":
            reinvites.forward(request, from: side, of: call, peer: peer)
        case "INFO":
            // DTMF by SIP INFO (application/dtmf-relay or application/dtmf) for an application.
            if let digit = Self.infoDigit(request) {
                if let channel = call.channel {
                    channel.deliver(digit: digit)
                } else if call.keys != nil {
                    pressed(digit, side: side, callID: call.id)
                }
            }
            context.transactions.respond(to: request, with: request.response(200, toTag: tag), peer: peer)
        default:
            context.transactions.respond(to: request, with: request.response(200, toTag: tag), peer: peer)
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
        context.transactions.acknowledged(inviteKey: key)
    }

    // MARK: - Call table

    /// Takes a call the server places itself (`originate`) into the table.
    func adopt(_ call: B2BCall) {
        calls[call.id] = call
    }

    /// Indexes the B leg's Call-ID once the dialer chose it.
    func indexBLeg(_ call: B2BCall) {
        callsByB[call.bCallID] = call
    }

    /// Drops every index of a finished call and frees its media ports and timers.
    func forget(_ call: B2BCall) {
        call.ended = true
        calls[call.id] = nil
        callsByA[call.aKey] = nil
        callsByB[call.bCallID] = nil
        recordings.finish(call)
        unwatchKeys(call)
        call.split?.teardown()
        call.split = nil
        call.origination?.finish(.failed(487))
        applications.detach(call)
        call.relay?.close()
        // A call joined by an attended transfer ends with this one.
        if let other = call.joined, !other.ended, let gone = other.gone.first {
            call.joined = nil
            other.joined = nil
            driver.feed(.hungUp(other.id, side: gone))
        }
        // Every timer of the call (ring, prepaid credit): none may fire for a forgotten call.
        for key in CallTimer.allCases.map({ timerKey(call.id, $0) }) {
            timers.removeValue(forKey: key)?.cancel()
        }
    }

    /// Answered calls whose media stopped for `media.timeout` seconds are hung up (once a second).
    func checkMediaTimeouts(now: Int64) {
        let limit = Int64(context.configuration.mediaTimeout) * 1000
        for call in calls.values where call.answeredAt != nil {
            let last = max(call.relay?.lastActivityMillis ?? 0, call.answeredAt ?? 0, call.channel.map { now - $0.idleMillis } ?? 0)
            if now - last > limit {
                context.logger.info("no media, hanging up", metadata: ["tel.call_id": "\(call.id)"])
                driver.feed(.mediaTimeout(call.id))
            }
        }
    }

    /// Stops taking calls; the future completes when no call is left or `grace` seconds passed,
    /// after the rest were ended (their CDRs written).
    func drain(grace: Int) -> EventLoopFuture<Void> {
        draining = true
        let deadline = NIODeadline.now() + .seconds(Int64(grace))
        let promise = context.loop.makePromise(of: Void.self)
        func poll() {
            guard calls.isEmpty || NIODeadline.now() >= deadline else {
                context.loop.scheduleTask(in: .milliseconds(100)) { poll() }
                return
            }
            driver.feed(.shutdown).whenComplete { [self] _ in
                for timer in timers.values { timer.cancel() }
                timers = [:]
                promise.succeed()
            }
        }
        poll()
        return promise.futureResult
    }

    func timerKey(_ id: CallID, _ timer: CallTimer) -> String { id.rawValue + "|" + timer.rawValue }
}
