import TelefoniaCore
import TelefoniaSIP
import Testing

/// UDP retransmissions handled by the server's transactions (RFC 3261 §17).
@Suite struct RetransmissionTests {
    /// The caller's INVITE sent twice with the same branch makes one call: the callee gets one INVITE transaction.
    @Test func retransmittedInviteMakesOneCall() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phones = try await pbx.registeredPhones(["1000", "1001"])
            let (callee, caller) = (phones[0], phones[1])
            let outgoing = try await caller.call("1000")
            try caller.resend(outgoing.invite)
            let incoming = try await callee.incomingCall()
            try callee.answer(incoming, 180)
            try caller.resend(outgoing.invite)

            // Anything else arriving within 1.2 s (beyond the server's T1) must be the same INVITE.
            let invites = try await callee.collect(for: .milliseconds(1200)) { $0.isRequest && $0.method == "INVITE" }
            let stray = invites.filter { $0.callID != incoming.invite.callID || $0.vias.first?.branch != incoming.invite.vias.first?.branch }
            #expect(stray.isEmpty, "the callee got \(stray.count) more INVITE transaction(s)")
            #expect(await pbx.server.activeCalls == 1)
            let trying = try await caller.collect(for: .milliseconds(100)) { $0.statusCode < 200 && $0.cseq == outgoing.invite.cseq }
            #expect(!trying.isEmpty, "the retransmissions were answered with the last provisional response")

            try callee.answer(incoming, 486)
            _ = try await callee.request("ACK", callID: incoming.invite.callID)
            let busy = try await caller.response(to: outgoing.invite, final: true)
            #expect(busy.statusCode == 486)
            try caller.ackFailure(outgoing, response: busy)
            #expect(try await pbx.waitForCDRs(count: 1).map(\.disposition) == [.busy])
        }
    }

    /// A 200 the caller does not ACK is retransmitted by the server (T1, then 2·T1) and stops once ACKed.
    @Test func retransmitsUnacknowledgedOKUntilACK() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phones = try await pbx.registeredPhones(["1000", "1001"])
            var call = try await pbx.connectCall(from: phones[1], to: phones[0], ack: false)
            let caller = call.caller
            let cseq = call.outgoing.invite.cseq
            let received = try await caller.nextReceived("retransmitted 200", timeout: .seconds(2)) {
                $0.statusCode == 200 && $0.cseqMethod == "INVITE" && $0.cseq == cseq
            }
            let again = received.message
            let interval = received.receivedAt - call.okReceivedAt
            #expect(interval >= .milliseconds(300), "retransmitted \(interval) after the first 200, before T1")
            #expect(again.to.tag == call.ok.to.tag)
            #expect(again.body == call.ok.body)

            try caller.ack(&call.outgoing, ok: again)
            let after = try await caller.collect(for: .milliseconds(1600)) { $0.statusCode == 200 && $0.cseqMethod == "INVITE" }
            #expect(after.isEmpty, "200 still retransmitted \(after.count) time(s) after the ACK")

            let bye = try caller.bye(&call.outgoing)
            try call.callee.reply(to: try await call.callee.request("BYE", callID: call.incoming.invite.callID), 200)
            #expect(try await caller.response(to: bye, final: true).statusCode == 200)
        }
    }

    /// The callee's 200 to a re-INVITE, retransmitted after the server ACKed it, is ACKed again and not passed to the caller, who already ACKed (RFC 3261 §13.3.1.4).
    @Test func absorbsRetransmittedOKToReinvite() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phones = try await pbx.registeredPhones(["1000", "1001"])
            var call = try await pbx.connectCall(from: phones[1], to: phones[0])
            let (caller, callee) = (call.caller, call.callee)
            let bCallID = call.incoming.invite.callID

            let hold = try caller.reinvite(&call.outgoing, sdp: caller.offer(direction: "sendonly", version: 2))
            let atCallee = try await callee.request("INVITE", callID: bCallID, inDialog: true, after: call.incoming.invite.cseq)
            let answer = callee.offer(direction: "recvonly", version: 2)
            try callee.reply(to: atCallee, 200, contact: true, sdp: answer)
            let ok = try await caller.response(to: hold, status: 200)
            try caller.ack(&call.outgoing, ok: ok)
            _ = try await callee.request("ACK", callID: bCallID, after: atCallee.cseq - 1)

            // The callee did not see that ACK in time and sends its 200 again.
            try callee.reply(to: atCallee, 200, contact: true, sdp: answer)
            let reAck = try await callee.nextIfAny(timeout: .seconds(2)) { $0.method == "ACK" && $0.callID == bCallID && $0.cseq == atCallee.cseq }
            #expect(reAck != nil, "the retransmitted 200 was not ACKed")
            let duplicates = try await caller.collect(for: .milliseconds(1200)) { $0.statusCode == 200 && $0.cseq == hold.cseq }.count
            #expect(duplicates == 0, "the caller got \(duplicates) more 200(s) to a re-INVITE it had already ACKed")

            let bye = try caller.bye(&call.outgoing)
            try callee.reply(to: try await callee.request("BYE", callID: bCallID), 200)
            #expect(try await caller.response(to: bye, final: true).statusCode == 200)
        }
    }
}
