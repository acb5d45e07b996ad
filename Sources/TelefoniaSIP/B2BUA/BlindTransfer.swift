import Foundation
import Logging
import NIOCore
import TelefoniaCore

/// A blind transfer asked by the callee's phone (REFER, RFC 3515; P5): the callee says
/// "give this caller to line N". The server accepts (202), dials N as the call's new B
/// leg (same relay, so the caller's media never moves), tells the callee how it goes
/// (NOTIFY with a `message/sipfrag` status line), and when N answers ends the old B
/// leg with BYE; the engine hears `.transferred` (the record says so). If N does not
/// answer the call goes on with the callee. On the signalling loop.
final class BlindTransfer: @unchecked Sendable {
    /// The old B dialog, where the NOTIFYs and the final BYE go.
    let callID: String
    let oldFrom: NameAddress
    let oldTo: NameAddress
    let oldTarget: SIPURI
    let oldPeer: SIPPeer
    let oldLine: String?
    let targetLine: String
    private var cseq: Int
    var ringTimer: Scheduled<Void>?
    /// Reports what the new leg did (set by the B2BUA).
    var onOutcome: ((CallEvent) -> Void)?

    init(callID: String, oldFrom: NameAddress, oldTo: NameAddress, oldTarget: SIPURI, oldPeer: SIPPeer, oldLine: String?, targetLine: String, cseq: Int) {
        self.callID = callID
        self.oldFrom = oldFrom
        self.oldTo = oldTo
        self.oldTarget = oldTarget
        self.oldPeer = oldPeer
        self.oldLine = oldLine
        self.targetLine = targetLine
        self.cseq = cseq
    }

    func handle(_ event: CallEvent) {
        switch event {
        case .answered, .rejected: onOutcome?(event)
        default: break
        }
    }

    /// A request in the old B dialog (NOTIFY, BYE) with its next CSeq.
    func request(_ method: String, context: SignallingContext) -> SIPMessage {
        cseq += 1
        return SIPMessage(
            startLine: .request(method: method, uri: oldTarget), vias: [context.ourVia(oldPeer.kind)],
            from: oldFrom, to: oldTo, callID: callID, cseq: cseq, cseqMethod: method,
            otherHeaders: [("Max-Forwards", "70"), ("User-Agent", "Telefonia")])
    }
}

extension B2BUA {
    /// REFER from the B side of an answered, relayed call to an extension of the tenant.
    func handleRefer(_ request: SIPMessage, call: B2BCall, side: LegSide, peer: SIPPeer, tag: String) {
        let referTo = request.header("Refer-To").map { text -> String in
            let trimmed = text.trimmed()
            if let open = trimmed.firstIndex(of: "<"), let close = trimmed.firstIndex(of: ">"), open < close {
                return String(trimmed[trimmed.index(after: open)..<close])
            }
            return String(trimmed)
        }
        if let referTo, let replaces = Self.replaces(in: referTo) {
            return attendedTransfer(request, call: call, side: side, peer: peer, tag: tag, replaces: replaces)
        }
        guard let referTo, let uri = SIPURIParser.parse(referTo), let ext = uri.user, Line.isValidExtension(ext) else {
            context.transactions.respond(to: request, with: request.response(400, "Bad Refer-To", toTag: tag), peer: peer)
            return
        }
        if side == .a, call.answeredAt != nil, call.tenantID != nil, call.transfer == nil, call.joined == nil {
            return callerTransfer(request, call: call, peer: peer, tag: tag, to: ext)
        }
        guard side == .b, call.answeredAt != nil, call.relay != nil, call.channel == nil, call.transfer == nil, call.connection == nil,
              call.joined == nil, call.split == nil,
              let bFrom = call.bFrom, let bTo = call.bTo, let bTarget = call.bRemoteTarget, let bPeer = call.bPeer,
              let tenantID = call.bTargetTenant ?? call.tenantID else {
            // Only the callee of a relayed call can transfer it, for now.
            context.transactions.respond(to: request, with: request.response(403, "Transfer not available here", toTag: tag), peer: peer)
            return
        }
        context.transactions.respond(to: request, with: request.response(202, "Accepted", toTag: tag), peer: peer)
        let transfer = BlindTransfer(callID: call.bCallID, oldFrom: bFrom, oldTo: bTo, oldTarget: bTarget, oldPeer: bPeer, oldLine: call.bTargetLine,
                                     targetLine: ext, cseq: call.bLocalCSeq)
        call.transfer = transfer
        notifyReferrer(call, transfer, status: "100 Trying", done: false)
        transfer.onOutcome = { [unowned self, unowned call] event in
            finishTransfer(call, transfer, answered: { if case .answered = event { true } else { false } }(),
                           status: { if case .rejected(_, let s) = event { s } else { 200 } }())
        }
        let now = context.clock.nowMillis()
        context.storage.submit(on: context.loop) { store -> ([Registration], String, Int) in
            guard let line = try store.line(tenantID: tenantID, extensionNumber: ext) else { return ([], "", 0) }
            let contacts = try store.registrations(tenantID: tenantID, extensionNumber: ext).filter { $0.expiresAt * 1000 > now }
            return (contacts, try store.tenant(id: tenantID)?.domain ?? tenantID, line.ringTimeout)
        }.whenComplete { [self] result in
            guard call.transfer === transfer, !call.ended else { return }
            guard case .success(let (contacts, domain, ringTime)) = result, !contacts.isEmpty else {
                return finishTransfer(call, transfer, answered: false, status: 480)
            }
            call.winner = nil
            call.branches.removeAll()
            call.bLocalCSeq += 1
            transfer.ringTimer = context.loop.scheduleTask(in: .seconds(Int64(context.configuration.ringTimeout ?? ringTime))) { [self] in
                guard call.transfer === transfer else { return }
                dialer.cancelForks(of: call)
                finishTransfer(call, transfer, answered: false, status: 480)
            }
            dialer.dial(call, target: .line(tenantID: tenantID, extensionNumber: ext, contacts: contacts, domain: domain),
                        callerID: call.aInvite.from.uri.user ?? "anonymous")
        }
    }

    /// The caller's phone transfers the callee (REFER in the A dialog): the call is split
    /// on the server (`SplitCall`), the target rung while the callee waits on hold, and
    /// once it answers the caller's leg is hung up and the target takes its place. The
    /// caller's phone hears how it goes by NOTIFY.
    private func callerTransfer(_ request: SIPMessage, call: B2BCall, peer: SIPPeer, tag: String, to ext: String) {
        guard let split = call.split ?? SplitCall.split(call, b2bua: self) else {
            context.transactions.respond(to: request, with: request.response(403, "Transfer not available here", toTag: tag), peer: peer)
            return
        }
        context.transactions.respond(to: request, with: request.response(202, "Accepted", toTag: tag), peer: peer)
        let notify: (String, Bool) -> Void = { [weak self, weak call] status, done in
            guard let self, let call, !call.gone.contains(.a) || done,
                  let notify = call.inDialogRequest("NOTIFY", to: .a, context: context) else { return }
            sendReferNotify(notify, status: status, done: done, to: call.aPeer)
        }
        notify("100 Trying", false)
        split.transfer(to: ext, from: .a, report: notify)
    }

    /// The new leg answered (the old B leg gets BYE) or failed (the call stays with it).
    private func finishTransfer(_ call: B2BCall, _ transfer: BlindTransfer, answered: Bool, status: Int) {
        guard call.transfer === transfer else { return }
        call.transfer = nil
        transfer.ringTimer?.cancel()
        notifyReferrer(call, transfer, status: answered ? "200 OK" : "\(status) Failed", done: true)
        if answered {
            let bye = transfer.request("BYE", context: context)
            context.transactions.sendRequest(bye, to: transfer.oldPeer) { _ in }
            call.bTargetLine = transfer.targetLine
            driver.feed(.transferred(call.id, to: transfer.targetLine))
        } else {
            // The callee keeps the call.
            call.bTo = transfer.oldTo
            call.bRemoteTarget = transfer.oldTarget
            call.bPeer = transfer.oldPeer
        }
    }

    /// NOTIFY (Event: refer) with the new leg's status line, to the phone that referred.
    private func notifyReferrer(_ call: B2BCall, _ transfer: BlindTransfer, status: String, done: Bool) {
        sendReferNotify(transfer.request("NOTIFY", context: context), status: status, done: done, to: transfer.oldPeer)
    }

    /// Sends `notify` (a NOTIFY in the REFER's dialog) as the refer subscription's news:
    /// the status line of the transfer's new leg as `message/sipfrag` (RFC 3515 §2.4.5).
    private func sendReferNotify(_ notify: SIPMessage, status: String, done: Bool, to peer: SIPPeer) {
        var notify = notify
        notify.setHeader("Event", "refer")
        notify.setHeader("Subscription-State", done ? "terminated;reason=noresource" : "active;expires=60")
        notify.contacts = [context.ourContact(peer.kind)]
        notify.contentType = "message/sipfrag;version=2.0"
        notify.body = Array("SIP/2.0 \(status)\r\n".utf8)
        context.transactions.sendRequest(notify, to: peer) { _ in }
    }

    // MARK: - Attended transfer (REFER with Replaces, RFC 3891)

    /// Call-ID and tags of the `Replaces` a Refer-To URI carries (`?Replaces=…`, escaped).
    static func replaces(in uri: String) -> (callID: String, tags: [String])? {
        guard let range = uri.range(of: "Replaces=", options: .caseInsensitive) else { return nil }
        let raw = uri[range.upperBound...].prefix { $0 != "&" && $0 != ">" }
        guard let text = String(raw).removingPercentEncoding else { return nil }
        let parts = text.split(separator: ";").map { $0.trimmed() }
        guard let callID = parts.first, !callID.isEmpty else { return nil }
        let tags = parts.dropFirst().compactMap { part -> String? in
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, ["to-tag", "from-tag"].contains(pair[0].lowercased()) else { return nil }
            return String(pair[1])
        }
        return (String(callID), tags)
    }

    /// The transferor (in two answered calls through us) joins them: the relays are
    /// chained so the two parties it talked to hear each other, its own legs are let go
    /// (it hangs them up after the 200 NOTIFY), and either party hanging up ends both.
    private func attendedTransfer(_ request: SIPMessage, call: B2BCall, side: LegSide, peer: SIPPeer, tag: String,
                                  replaces: (callID: String, tags: [String])) {
        // The replaced dialog is the transferor's other call, where it is the caller (A leg).
        let other = replaces.tags.lazy.compactMap { self.call(aCallID: replaces.callID, tag: $0) }.first
        guard let other, other !== call, !other.ended, other.answeredAt != nil, call.answeredAt != nil, call.split == nil, other.split == nil,
              let relay = call.relay, let otherRelay = other.relay, call.joined == nil, other.joined == nil else {
            context.transactions.respond(to: request, with: request.response(481, "No such call to replace", toTag: tag), peer: peer)
            return
        }
        context.transactions.respond(to: request, with: request.response(202, "Accepted", toTag: tag), peer: peer)
        let host = context.localHost
        // This call's transferor side now sends to the other relay's transferor-facing port, and back.
        relay.pin(side, host: host, port: otherRelay.aPort)
        otherRelay.pin(.a, host: host, port: side == .a ? relay.aPort : relay.bPort)
        call.gone.insert(side)
        other.gone.insert(.a)
        call.joined = other
        other.joined = call
        let joinedLine = other.bTargetLine ?? other.aInvite.requestURI?.user ?? "?"
        driver.feed(.transferred(call.id, to: joinedLine))
        // Tell the transferor it worked (NOTIFY in the dialog the REFER came in).
        guard let notify = call.inDialogRequest("NOTIFY", to: side, context: context) else { return }
        sendReferNotify(notify, status: "200 OK", done: true, to: side == .a ? call.aPeer : (call.bPeer ?? peer))
        context.logger.info("attended transfer", metadata: ["tel.call_id": "\(call.id)", "joined": "\(other.id)"])
    }
}
