import Foundation
import Logging
import NIOCore
import TelefoniaCore

extension B2BUA {
    /// Writes a finished call's record and debit on the storage thread, trying again for
    /// about 25 s while the database cannot be reached (a PostgreSQL failover, a
    /// restarting server): a record is never dropped for a passing outage. A retry told
    /// the record exists already is done: the attempt before committed, its answer was lost.
    static func writeRecord(_ cdr: CDR, debit: CreditMovement?, to store: any PBXStore, logger: Logger) throws {
        var delay = 0.25
        for attempt in 1... {
            do {
                try store.record(cdr, debit: debit)
                return
            } catch let error as StoreError where error.code == .duplicate && attempt > 1 {
                return
            } catch let error as StoreError where error.code == .io && attempt < 8 {
                logger.warning("CDR not written yet; trying again", metadata: [
                    "tel.call_id": "\(cdr.id)", "attempt": "\(attempt)", "error": "\(error)",
                ])
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 8)
            }
        }
    }

    /// Carries out the engine's actions, in order. The future completes once the call
    /// records among them are durable (each written with its prepaid debit in one
    /// transaction, on the storage thread).
    func perform(_ actions: [CallAction]) -> EventLoopFuture<Void> {
        var written: [EventLoopFuture<Void>] = []
        for action in actions {
            switch action {
            case .record(let cdr, let debit):
                let logger = context.logger
                written.append(context.storage.submit(on: context.loop) { store in
                    try Self.writeRecord(cdr, debit: debit, to: store, logger: logger)
                }.recover { error in
                    logger.critical("CDR not written", metadata: ["tel.call_id": "\(cdr.id)", "error": "\(error)"])
                })
            case .reject(let id, let status, let reason):
                guard let call = calls[id] else { continue }
                var extra: [(String, String)] = []
                if status != 487 {
                    extra.append(("Reason", "SIP;cause=\(status);text=\"\(reason.replacingQuotesForHeader())\""))
                }
                sendFinalToA(call, status: status, reason: nil, extraHeaders: extra)
                call.origination?.finish(.failed(status))
                // A refused offer is never kept by the engine, so no `.release` follows:
                // forget it now (its relay ports go back), as `.release` would.
                if !driver.engine.isTracking(id) { forget(call) }
            case .dial(let id, .application(let name), _):
                guard let call = calls[id] else { continue }
                // After a line that did not answer (voicemail): its forks are no longer the call's.
                call.branches.removeAll()
                applications.start(name, on: call)
            case .dial(let id, let target, let callerID):
                guard let call = calls[id] else { continue }
                if !call.branches.isEmpty {
                    // Dialled again (a forward): the forks of the attempt given up are
                    // no longer this call's (their late answers are ignored or BYEd).
                    call.branches.removeAll()
                    call.bLocalCSeq += 1
                }
                dialer.dial(call, target: target, callerID: callerID)
            case .ring(let id):
                guard let call = calls[id], !call.aFinalSent else { continue }
                var response = call.aInvite.response(180, toTag: call.aTag)
                response.contacts = [context.ourContact(call.aPeer.kind)]
                context.transactions.respond(to: call.aInvite, with: response, peer: call.aPeer)
            case .answer(let id):
                guard let call = calls[id] else { continue }
                answer(call)
                originated(call)
            case .cancel(let id):
                guard let call = calls[id] else { continue }
                dialer.cancelForks(of: call)
            case .hangUp(let id, let side):
                guard let call = calls[id], !call.gone.contains(side),
                      let bye = call.inDialogRequest("BYE", to: side, context: context) else { continue }
                let peer = side == .a ? call.aPeer : call.bPeer!
                context.transactions.sendRequest(bye, to: peer) { _ in }
            case .startTimer(let id, let timer, let seconds):
                let key = timerKey(id, timer)
                timers[key]?.cancel()
                timers[key] = context.loop.scheduleTask(in: .seconds(Int64(seconds))) { [self] in
                    timers[key] = nil
                    driver.feed(.timerFired(id, timer))
                }
            case .cancelTimer(let id, let timer):
                timers.removeValue(forKey: timerKey(id, timer))?.cancel()
            case .startRecording(let id, let tenantID, let line):
                guard let call = calls[id] else { continue }
                recordings.start(call, tenantID: tenantID, line: line)
            case .release(let id):
                guard let call = calls[id] else { continue }
                forget(call)
            case .callBack(let order):
                applications.facilities.callBack(order)
            }
        }
        return EventLoopFuture.andAllSucceed(written, on: context.loop)
    }

    /// 200 OK to the caller: the server's own SDP for an application, else the callee's answer anchored.
    private func answer(_ call: B2BCall) {
        guard !call.aFinalSent else { return }
        let answer: String
        if let channel = call.channel {
            answer = SessionDescription.terminatedAnswer(
                address: context.localHost, port: channel.port, payloadType: channel.law.payloadType,
                telephoneEvent: channel.telephoneEventPayloadType, sessionID: UInt64(context.clock.nowMillis()))
        } else if let relay = call.relay {
            answer = call.bAnswer?.anchored(address: context.localHost, port: relay.aPort)
                ?? call.aOffer.anchored(address: context.localHost, port: relay.aPort) ?? ""
        } else {
            return
        }
        call.aFinalSent = true
        var response = call.aInvite.response(200, toTag: call.aTag)
        response.contacts = [context.ourContact(call.aPeer.kind)]
        response.setHeader("Allow", SignallingContext.allow)
        response.contentType = "application/sdp"
        response.body = Array(answer.utf8)
        context.transactions.respond(to: call.aInvite, with: response, peer: call.aPeer)
        if call.channel == nil { watchKeys(call) }
    }

    func sendFinalToA(_ call: B2BCall, status: Int, reason: String?, extraHeaders: [(String, String)] = []) {
        guard !call.aFinalSent else { return }
        call.aFinalSent = true
        var response = call.aInvite.response(status, reason, toTag: call.aTag)
        for (name, value) in extraHeaders { response.setHeader(name, value) }
        context.transactions.respond(to: call.aInvite, with: response, peer: call.aPeer)
    }
}
