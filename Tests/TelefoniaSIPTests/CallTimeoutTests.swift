import TelefoniaCore
import TelefoniaSIP
import Testing

/// The server's own timers on real calls: media timeout and ring timeout.
@Suite struct CallTimeoutTests {
    /// With `media.timeout = 2`, an answered call with no RTP is hung up towards both phones within ~4 s; the CDR says media.
    @Test func hangsUpAnsweredCallWithoutMedia() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take(), configure: { $0.mediaTimeout = 2 }) { pbx in
            let phones = try await pbx.registeredPhones(["1000", "1001"])
            let call = try await pbx.connectCall(from: phones[1], to: phones[0])
            let callerLeg = call.outgoing.callID
            let calleeLeg = call.incoming.invite.callID

            let byeAtCaller = try await call.caller.nextReceived("BYE", timeout: .seconds(6)) { $0.method == "BYE" && $0.callID == callerLeg }
            try call.caller.reply(to: byeAtCaller.message, 200)
            let byeAtCallee = try await call.callee.nextReceived("BYE", timeout: .seconds(2)) { $0.method == "BYE" && $0.callID == calleeLeg }
            try call.callee.reply(to: byeAtCallee.message, 200)
            for bye in [byeAtCaller, byeAtCallee] {
                let elapsed = bye.receivedAt - call.answerSentAt
                #expect(elapsed >= .milliseconds(1950), "hung up \(elapsed) after the answer, before the media timeout")
                #expect(elapsed <= .milliseconds(4500), "hung up \(elapsed) after the answer")
            }

            let cdr = try #require(try await pbx.waitForCDRs(count: 1).first)
            #expect(cdr.disposition == .answered)
            #expect(cdr.reason.contains("media"), "reason: \(cdr.reason)")
        }
    }

    /// With `call.ring_timeout = 2`, a callee that rings but never answers gets CANCEL; the caller gets 480; CDR NO ANSWER.
    @Test func givesUpUnansweredCallAfterRingTimeout() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take(), configure: { $0.ringTimeout = 2 }) { pbx in
            let phones = try await pbx.registeredPhones(["1000", "1001"])
            let (callee, caller) = (phones[0], phones[1])
            let outgoing = try await caller.call("1000")
            let incoming = try await callee.incomingCall()
            try callee.answer(incoming, 180)

            let received = try await caller.receivedResponse(to: outgoing.invite, final: true, timeout: .seconds(5))
            let final = received.message
            #expect(final.statusCode == 480)
            try caller.ackFailure(outgoing, response: final)
            let elapsed = received.receivedAt - outgoing.sentAt
            #expect(elapsed >= .milliseconds(1950) && elapsed <= .milliseconds(4500), "gave up \(elapsed) after the INVITE")

            let cancel = try await callee.request("CANCEL", callID: incoming.invite.callID)
            #expect(cancel.vias.first?.branch == incoming.invite.vias.first?.branch, "CANCEL matches the INVITE's branch")
            try callee.reply(to: cancel, 200)
            try callee.answer(incoming, 487)

            let cdr = try #require(try await pbx.waitForCDRs(count: 1).first)
            #expect(cdr.disposition == .noAnswer)
            #expect(cdr.sipCause == 480)
        }
    }
}
