import NIOCore
import TelefoniaCore
import TelefoniaSIP

extension PhoneFarm {
    /// The feature code of the server's playback test application.
    static let playbackCode = "*44"

    /// Places `plan.calls` calls at `plan.rate` per second. `finished` completes
    /// when every call is done; `settled` when every call is answered or failed
    /// (with `HoldPolicy.untilReleased`, the moment to measure a loaded server).
    func runCalls(_ plan: CallPlan) -> (finished: EventLoopFuture<CallRunResult>, settled: EventLoopFuture<Void>) {
        let promise = loop.makePromise(of: CallRunResult.self)
        let settled = loop.makePromise(of: Void.self)
        loop.execute { [self] in
            precondition(run == nil, "one run at a time")
            let run = CallRun(plan: plan, promise: promise)
            run.allSettled = settled
            self.run = run
            run.startedAt = .now()
            run.ticker = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(2)) { [self] _ in
                startDueCalls(run)
            }
            // Every run ends by itself: calls still open at the deadline fail.
            var budget = Double(plan.calls) / plan.rate + 60
            switch plan.hold {
            case .milliseconds(let ms): budget += Double(ms) / 1000
            case .untilReleased: budget += 300
            }
            run.deadline = loop.scheduleTask(in: .milliseconds(Int64(budget * 1000))) { [self] in
                for call in run.inProgress.values { fail(call, "still open at the run deadline") }
                completeRun(run)
            }
        }
        return (promise.futureResult, settled.futureResult)
    }

    /// Hangs up the held calls of a `.untilReleased` run, `rate` per second.
    func releaseHeldCalls() {
        loop.execute { [self] in
            guard let run else { return }
            var held = run.inProgress.values.filter { $0.phase == .answered }.sorted { $0.index < $1.index }[...]
            let perTick = max(1, Int((run.plan.rate / 100).rounded(.up)))
            run.releaseTicker = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(10)) { [self] task in
                for _ in 0..<perTick {
                    guard let call = held.popFirst() else {
                        task.cancel()
                        return
                    }
                    hangUp(call)
                }
            }
        }
    }

    // MARK: - Caller side

    private func startDueCalls(_ run: CallRun) {
        guard !run.finished else { return }
        let plan = run.plan
        let elapsed = Double((NIODeadline.now() - run.startedAt).nanoseconds) / 1e9
        let due = min(plan.calls, Int(elapsed * plan.rate) + 1)
        while run.started < due, run.active < plan.concurrency, let pair = run.freePairs.popLast() {
            let slot = Double(run.started) / plan.rate
            if elapsed - slot > 0.020 { run.delayedStarts += 1 }
            startCall(run, pair: pair)
        }
        if run.started == plan.calls { run.ticker?.cancel() }
    }

    private func startCall(_ run: CallRun, pair: Int) {
        let (caller, callee) = run.plan.pairs[pair]
        let call = BenchCall(
            index: run.started, pair: pair, caller: caller, callee: callee, callID: newCallID(), fromTag: newTag())
        let now = NIODeadline.now()
        run.started += 1
        run.active += 1
        run.peakActive = max(run.peakActive, run.active)
        if run.firstStart == nil { run.firstStart = now }
        run.lastStart = now
        call.firstInviteAt = now
        run.callsByCallee[callee.extensionNumber] = call
        run.inProgress[call.callID] = call
        callerCalls[call.callID] = call

        let target = addressOfRecord(run.plan.playback ? Self.playbackCode : callee.extensionNumber)
        let invite = SIPMessage(
            startLine: .request(method: "INVITE", uri: target),
            vias: [via(branch: newBranch())],
            from: NameAddress(uri: addressOfRecord(caller.extensionNumber)).withTag(call.fromTag),
            to: NameAddress(uri: target),
            callID: call.callID, cseq: 1, cseqMethod: "INVITE", contacts: [contact(caller)],
            contentType: "application/sdp",
            otherHeaders: [("Max-Forwards", "70"), ("User-Agent", "telefonia-bench"), ("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS")],
            body: Array(sessionDescription(port: media?.callerPort ?? 9, session: call.index).utf8))
        sendInvite(invite, of: call)
        call.timer = loop.scheduleTask(in: .seconds(10)) { [self] in
            fail(call, "no 200 OK within 10 s of the first INVITE")
        }
    }

    private func sendInvite(_ invite: SIPMessage, of call: BenchCall) {
        call.invite = invite
        call.cseq = invite.cseq
        let bytes = sendRequest(invite, timeout: .seconds(12)) { [self] response, bytes in
            callerInviteResponse(response, bytes: bytes, to: invite, of: call)
        }
        call.note("sent", "caller", bytes)
    }

    private func callerInviteResponse(_ response: SIPMessage?, bytes: [UInt8], to invite: SIPMessage, of call: BenchCall) {
        guard let response else {
            if call.answeredAt == nil { fail(call, "INVITE (CSeq \(invite.cseq)): no final response") }
            return
        }
        let status = response.statusCode
        if call.phase == .done {
            // A 2xx retransmitted after we finished: our ACK was lost, send it again.
            if status >= 200, status < 300, let ack = call.ackBytes { send(ack, to: server) }
            return
        }
        call.note("received", "caller", bytes)
        switch status {
        case 100..<200:
            return
        case 407 where invite.cseq == 1:
            send(nonSuccessACK(invite, response).serialized(), to: server)
            guard call.phase == .inviting else { return }
            call.phase = .challenged
            guard let challenge = pickChallenge(response.proxyAuthenticate) else {
                return fail(call, "407 offers no \(digest.rawValue) digest challenge")
            }
            let credentials = DigestCredentials(
                answering: challenge, username: call.caller.extensionNumber, password: call.caller.password,
                method: "INVITE", uri: invite.requestURI!.description, cnonce: newTag())
            var second = invite
            second.cseq = 2
            second.vias = [via(branch: newBranch())]
            second.proxyAuthorization = [credentials.headerValue]
            sendInvite(second, of: call)
        case 200..<300:
            if call.answeredAt != nil {
                if let ack = call.ackBytes { send(ack, to: server) }
                return
            }
            answered(call, response: response, invite: invite)
        default:
            if status >= 300 { send(nonSuccessACK(invite, response).serialized(), to: server) }
            fail(call, "INVITE (CSeq \(invite.cseq)) answered \(status) \(response.startLineReason)")
        }
    }

    private func answered(_ call: BenchCall, response: SIPMessage, invite: SIPMessage) {
        guard let run else { return }
        let now = NIODeadline.now()
        call.answeredAt = now
        call.phase = .answered
        call.timer?.cancel()
        let setup = Double((now - call.firstInviteAt).nanoseconds) / 1e6
        run.setupMillis.append(setup)
        if setup > run.slowestSetup?.millis ?? 0 {
            run.slowestSetup = (setup, "call \(call.index) \(call.caller.extensionNumber) → \(call.callee.extensionNumber):\n" + call.trace.joined(separator: "\n"))
        }
        call.dialogTo = response.to
        call.remoteTarget = response.contacts.first?.uri ?? invite.requestURI
        let ack = SIPMessage(
            startLine: .request(method: "ACK", uri: call.remoteTarget!), vias: [via(branch: newBranch())],
            from: invite.from, to: response.to, callID: call.callID, cseq: invite.cseq, cseqMethod: "ACK",
            otherHeaders: [("Max-Forwards", "70")])
        let ackBytes = ack.serialized()
        call.ackBytes = ackBytes
        send(ackBytes, to: server)
        call.note("sent", "caller", ackBytes)
        run.held += 1
        settle(run)
        guard response.to.tag != nil else { return fail(call, "200 OK without a To tag") }
        guard let answer = SessionDescription(response.bodyText), let host = answer.connectionAddress,
              let port = answer.audioPort, port > 0 else {
            return fail(call, "200 OK without a usable SDP answer")
        }
        if run.plan.playback {
            guard let stream = startPlaybackStream(host: host, port: port) else {
                return fail(call, "200 OK SDP names an unusable or duplicate address \(host):\(port)")
            }
            call.callerStream = stream
        } else if run.plan.media {
            guard let stream = startStream(.caller, host: host, port: port) else {
                return fail(call, "200 OK SDP names an unusable address \(host):\(port)")
            }
            call.callerStream = stream
            if let calleeStream = call.calleeStream {
                stream.peer = calleeStream
                calleeStream.peer = stream
            }
        }
        switch run.plan.hold {
        case .milliseconds(let ms):
            if ms == 0 {
                hangUp(call)
            } else {
                call.timer = loop.scheduleTask(in: .milliseconds(Int64(ms))) { [self] in hangUp(call) }
            }
        case .untilReleased:
            break
        }
    }

    /// Ends the call from the caller's side: media stops, then the BYE.
    func hangUp(_ call: BenchCall) {
        guard call.phase == .answered, let run else { return }
        call.phase = .hangingUp
        run.held -= 1
        if call.callerStream != nil || call.calleeStream != nil {
            call.callerStream?.active = false
            call.calleeStream?.active = false
            // Let the last packets through the relay before it closes the ports.
            call.timer = loop.scheduleTask(in: .milliseconds(60)) { [self] in sendBye(call) }
        } else {
            sendBye(call)
        }
    }

    private func sendBye(_ call: BenchCall) {
        guard call.phase == .hangingUp, let invite = call.invite, let to = call.dialogTo, let target = call.remoteTarget else { return }
        call.cseq += 1
        let bye = SIPMessage(
            startLine: .request(method: "BYE", uri: target), vias: [via(branch: newBranch())],
            from: invite.from, to: to, callID: call.callID, cseq: call.cseq, cseqMethod: "BYE",
            otherHeaders: [("Max-Forwards", "70"), ("User-Agent", "telefonia-bench")])
        let bytes = sendRequest(bye) { [self] response, bytes in
            guard call.phase != .done else { return }
            guard let response else { return fail(call, "BYE: no response") }
            call.note("received", "caller", bytes)
            guard response.statusCode >= 200, !call.byeAnswered else { return }
            guard response.statusCode < 300 else {
                return fail(call, "BYE answered \(response.statusCode) \(response.startLineReason)")
            }
            call.byeAnswered = true
            checkDone(call)
        }
        call.note("sent", "caller", bytes)
    }

    /// ACK for a non-2xx final response: same branch and Request-URI as the INVITE (RFC 3261 §17.1.1.3).
    private func nonSuccessACK(_ invite: SIPMessage, _ response: SIPMessage) -> SIPMessage {
        SIPMessage(
            startLine: .request(method: "ACK", uri: invite.requestURI!), vias: Array(invite.vias.prefix(1)),
            from: invite.from, to: response.to, callID: invite.callID, cseq: invite.cseq, cseqMethod: "ACK",
            otherHeaders: [("Max-Forwards", "70")])
    }

    private func checkDone(_ call: BenchCall) {
        guard call.byeAnswered else { return }
        if call.calleeGotBye || run?.plan.playback == true {
            finish(call, failure: nil)
        } else {
            call.timer?.cancel()
            call.timer = loop.scheduleTask(in: .seconds(5)) { [self] in
                fail(call, "the callee got no BYE within 5 s of the 200 to the caller's BYE")
            }
        }
    }

    // MARK: - Callee side

    func calleeInvite(_ request: SIPMessage, bytes: [UInt8], from source: SocketAddress) {
        if let leg = calleeLegs[request.callID] {
            counters.retransmissionsReceived += 1
            if !leg.lastResponse.isEmpty { send(leg.lastResponse, to: source) }
            return
        }
        guard let run, let user = request.requestURI?.user, let call = run.callsByCallee[user], call.phase != .done,
              call.calleeLeg == nil else {
            counters.unexpectedRequests += 1
            run?.noteProtocolError("INVITE for a line that expects no call:\n" + String(decoding: bytes, as: UTF8.self))
            send(request.response(480, toTag: newTag()).serialized(), to: source)
            return
        }
        call.note("received", "callee", bytes)
        guard request.from.uri.user == call.caller.extensionNumber else {
            send(request.response(486, toTag: newTag()).serialized(), to: source)
            return fail(call, "callee \(user) got the INVITE from \(request.from.uri.user ?? "?"), not from the caller \(call.caller.extensionNumber)")
        }
        guard let offer = SessionDescription(request.bodyText), let host = offer.connectionAddress,
              let port = offer.audioPort, port > 0 else {
            send(request.response(488, toTag: newTag()).serialized(), to: source)
            return fail(call, "INVITE to the callee without a usable SDP offer")
        }
        let leg = CalleeLeg(invite: request, source: source, toTag: newTag(), call: call)
        calleeLegs[request.callID] = leg
        call.calleeLeg = leg

        var ringing = request.response(180, toTag: leg.toTag)
        ringing.contacts = [contact(call.callee)]
        let ringingBytes = ringing.serialized()
        send(ringingBytes, to: source)
        call.note("sent", "callee", ringingBytes)

        var ok = request.response(200, toTag: leg.toTag)
        ok.contacts = [contact(call.callee)]
        ok.setHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS")
        ok.contentType = "application/sdp"
        ok.body = Array(sessionDescription(port: media?.calleePort ?? 9, session: call.index).utf8)
        let okBytes = ok.serialized()
        leg.lastResponse = okBytes
        send(okBytes, to: source)
        call.note("sent", "callee", okBytes)
        leg.retransmit = scheduleOKRetransmit(leg, after: Self.t1, elapsed: 0)

        if run.plan.media {
            guard let stream = startStream(.callee, host: host, port: port) else {
                return fail(call, "the INVITE's SDP names an unusable address \(host):\(port)")
            }
            call.calleeStream = stream
        }
    }

    /// A 2xx is retransmitted until its ACK (RFC 3261 §13.3.1.4), for 64·T1 at most.
    private func scheduleOKRetransmit(_ leg: CalleeLeg, after millis: Int64, elapsed: Int64) -> Scheduled<Void> {
        loop.scheduleTask(in: .milliseconds(millis)) { [self] in
            guard !leg.acked, leg.byeResponse == nil else { return }
            guard elapsed + millis < 64 * Self.t1 else {
                if let call = leg.call { fail(call, "the callee's 200 OK was never ACKed") }
                return
            }
            counters.retransmitted += 1
            send(leg.lastResponse, to: leg.source)
            leg.retransmit = scheduleOKRetransmit(leg, after: min(millis * 2, Self.t2), elapsed: elapsed + millis)
        }
    }

    func calleeAck(_ request: SIPMessage, bytes: [UInt8]) {
        guard let leg = calleeLegs[request.callID] else {
            counters.unexpectedRequests += 1
            run?.noteProtocolError("ACK for no dialog of ours:\n" + String(decoding: bytes, as: UTF8.self))
            return
        }
        guard !leg.acked else { return }
        leg.acked = true
        leg.retransmit?.cancel()
        leg.call?.note("received", "callee", bytes)
    }

    func receivedBye(_ request: SIPMessage, bytes: [UInt8], from source: SocketAddress) {
        if let leg = calleeLegs[request.callID] {
            if let response = leg.byeResponse {
                counters.retransmissionsReceived += 1
                send(response, to: source)
                return
            }
            let response = request.response(200).serialized()
            leg.byeResponse = response
            leg.retransmit?.cancel()
            send(response, to: source)
            guard let call = leg.call, call.phase != .done else { return }
            call.note("received", "callee", bytes)
            call.note("sent", "callee", response)
            call.calleeStream?.active = false
            call.calleeGotBye = true
            checkDone(call)
            return
        }
        if let call = callerCalls[request.callID] {
            send(request.response(200).serialized(), to: source)
            call.note("received", "caller", bytes)
            fail(call, "the server sent the caller a BYE")
            return
        }
        counters.unexpectedRequests += 1
        run?.noteProtocolError("BYE for no dialog of ours:\n" + String(decoding: bytes, as: UTF8.self))
        send(request.response(481, toTag: newTag()).serialized(), to: source)
    }

    // MARK: - Ending calls and runs

    func fail(_ call: BenchCall, _ reason: String) {
        finish(call, failure: reason)
    }

    private func finish(_ call: BenchCall, failure: String?) {
        guard call.phase != .done else { return }
        let run = self.run
        if call.phase == .answered { run?.held -= 1 }
        let wasSettled = call.answeredAt != nil
        let dialogUp = call.phase == .answered
        call.phase = .done
        call.timer?.cancel()
        call.callerStream?.active = false
        call.calleeStream?.active = false
        if let stream = call.callerStream, stream.ssrc == 0 { endPlaybackStream(stream) }
        call.calleeLeg?.retransmit?.cancel()
        if let failure, dialogUp {
            // Tidy up so the server frees the call; the outcome is already decided.
            call.phase = .hangingUp
            sendBye(call)
            call.phase = .done
        }
        if let run {
            run.active -= 1
            run.inProgress[call.callID] = nil
            if run.callsByCallee[call.callee.extensionNumber] === call { run.callsByCallee[call.callee.extensionNumber] = nil }
            if let failure {
                run.failed += 1
                run.failureReasons[failure, default: 0] += 1
                if run.failureTraces.count < 3 {
                    run.failureTraces.append("call \(call.index) \(call.caller.extensionNumber) → \(call.callee.extensionNumber), Call-ID \(call.callID): \(failure)\n"
                        + call.trace.joined(separator: "\n"))
                }
                // The pair may still get messages of this call: it is not used again.
                if !wasSettled { settle(run) }
            } else {
                run.completed += 1
                run.freePairs.append(call.pair)
            }
            if run.started == run.plan.calls, run.active == 0 { completeRun(run) }
        }
        call.trace = []
        let callID = call.callID
        let legCallID = call.calleeLeg?.invite.callID
        // Keep the dialogs a little to answer retransmissions, then forget them.
        loop.scheduleTask(in: .seconds(8)) { [self] in
            callerCalls[callID] = nil
            if let legCallID { calleeLegs[legCallID] = nil }
        }
    }

    private func settle(_ run: CallRun) {
        run.settled += 1
        if run.settled >= run.plan.calls, !run.settledSignalled {
            run.settledSignalled = true
            run.allSettled?.succeed(())
        }
    }

    private func completeRun(_ run: CallRun) {
        guard !run.finished else { return }
        run.finished = true
        run.ticker?.cancel()
        run.releaseTicker?.cancel()
        run.deadline?.cancel()
        if !run.settledSignalled {
            run.settledSignalled = true
            run.allSettled?.succeed(())
        }
        if self.run === run { self.run = nil }
        var rate = 0.0
        if let first = run.firstStart, let last = run.lastStart, run.started > 1 {
            rate = Double(run.started - 1) / (Double((last - first).nanoseconds) / 1e9)
        }
        run.promise.succeed(CallRunResult(
            attempted: run.started, completed: run.completed, failed: run.failed,
            seconds: Double((NIODeadline.now() - run.startedAt).nanoseconds) / 1e9, achievedRate: rate,
            setupMillis: run.setupMillis, peakActive: run.peakActive, delayedStarts: run.delayedStarts,
            failureReasons: run.failureReasons, failureTraces: run.failureTraces, protocolErrors: run.protocolErrors,
            slowestSetup: run.slowestSetup))
    }

    // MARK: - SDP

    /// A G.711 offer or answer for a phone whose RTP socket is 127.0.0.1:`port`.
    func sessionDescription(port: Int, session: Int) -> String {
        """
        v=0\r
        o=bench \(session + 1) 1 IN IP4 \(domain)\r
        s=telefonia-bench\r
        c=IN IP4 \(domain)\r
        t=0 0\r
        m=audio \(port) RTP/AVP 0 8 101\r
        a=rtpmap:0 PCMU/8000\r
        a=rtpmap:8 PCMA/8000\r
        a=rtpmap:101 telephone-event/8000\r
        a=fmtp:101 0-16\r
        a=ptime:20\r
        a=sendrecv\r

        """
    }
}

extension SIPMessage {
    /// The reason phrase of a response.
    var startLineReason: String {
        if case .response(_, let reason) = startLine { return reason }
        return ""
    }
}
