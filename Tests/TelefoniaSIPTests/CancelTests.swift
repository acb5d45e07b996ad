import TelefoniaCore
import TelefoniaSIP
import Testing

/// CANCEL on both legs (RFC 3261 §9): the caller's CANCEL is answered and passed on, and the
/// callee's INVITE transaction still ends properly after the server's CANCEL.
@Suite struct CancelTests {
    /// CANCEL from the caller while ringing: 200 to the CANCEL, 487 to the INVITE, CANCEL at the callee, CDR CANCELLED.
    @Test func cancelsRingingCall() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phones = try await pbx.registeredPhones(["1000", "1001"])
            let (callee, caller) = (phones[0], phones[1])
            let outgoing = try await caller.call("1000")
            let incoming = try await callee.incomingCall()
            try callee.answer(incoming, 180)
            _ = try await caller.response(to: outgoing.invite, status: 180)

            let cancel = try caller.cancel(outgoing)
            #expect(try await caller.response(to: cancel, final: true).statusCode == 200)
            let terminated = try await caller.response(to: outgoing.invite, final: true)
            #expect(terminated.statusCode == 487)
            try caller.ackFailure(outgoing, response: terminated)

            let cancelAtCallee = try await callee.request("CANCEL", callID: incoming.invite.callID)
            #expect(cancelAtCallee.vias.first?.branch == incoming.invite.vias.first?.branch)
            #expect(cancelAtCallee.cseq == incoming.invite.cseq)
            try callee.reply(to: cancelAtCallee, 200)
            try callee.answer(incoming, 487)
            #expect(try await pbx.waitForCDRs(count: 1).map(\.disposition) == [.cancelled])
        }
    }

    /// The callee's 487 after the server's CANCEL is ACKed on the INVITE's branch (RFC 3261 §17.1.1.3), so the callee stops retransmitting it.
    @Test func acknowledgesCalleeFinalResponseAfterCancel() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phones = try await pbx.registeredPhones(["1000", "1001"])
            let (callee, caller) = (phones[0], phones[1])
            let outgoing = try await caller.call("1000")
            let incoming = try await callee.incomingCall()
            try callee.answer(incoming, 180)
            _ = try await caller.response(to: outgoing.invite, status: 180)
            try caller.cancel(outgoing)

            let cancel = try await callee.request("CANCEL", callID: incoming.invite.callID)
            try callee.reply(to: cancel, 200)
            try callee.answer(incoming, 487)
            let branch = incoming.invite.vias.first?.branch
            let ack = try await callee.nextIfAny(timeout: .seconds(2)) { $0.isRequest && $0.method == "ACK" && $0.callID == incoming.invite.callID }
            #expect(ack != nil, "the server never ACKed the callee's 487: its CANCEL replaced the INVITE client transaction (same branch)")
            #expect(ack == nil || ack?.vias.first?.branch == branch)
        }
    }

    /// A 200 from the callee that crosses the server's CANCEL is ACKed and that dialog ended with BYE (RFC 3261 §9.1, §15).
    @Test func endsAnswerThatCrossesCancel() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phones = try await pbx.registeredPhones(["1000", "1001"])
            let (callee, caller) = (phones[0], phones[1])
            let outgoing = try await caller.call("1000")
            let incoming = try await callee.incomingCall()
            try callee.answer(incoming, 180)
            _ = try await caller.response(to: outgoing.invite, status: 180)
            try caller.cancel(outgoing)

            let cancel = try await callee.request("CANCEL", callID: incoming.invite.callID)
            // The phone was answered just before the CANCEL arrived: its 200 is already on the wire.
            try callee.answer(incoming, 200)
            try callee.reply(to: cancel, 200)
            let callID = incoming.invite.callID
            let ack = try await callee.nextIfAny(timeout: .seconds(2)) { $0.isRequest && $0.method == "ACK" && $0.callID == callID }
            #expect(ack != nil, "the callee's 200 was never ACKed")
            let bye = try await callee.nextIfAny(timeout: .seconds(2)) { $0.isRequest && $0.method == "BYE" && $0.callID == callID }
            #expect(bye != nil, "the callee's dialog was never ended: it stays in a call nobody is on")
            if let bye { try callee.reply(to: bye, 200) }
            #expect(try await caller.response(to: outgoing.invite, final: true).statusCode == 487)
        }
    }

    /// A callee that has sent only 100 Trying still gets the CANCEL (RFC 3261 §9.1: any provisional response allows it), so it stops ringing.
    @Test func cancelsCalleeThatOnlySentTrying() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phones = try await pbx.registeredPhones(["1000", "1001"])
            let (callee, caller) = (phones[0], phones[1])
            let outgoing = try await caller.call("1000")
            let incoming = try await callee.incomingCall()
            try callee.answer(incoming, 100)
            // Whether the CANCEL overtakes the 100 or not, a pending CANCEL must go out once a provisional response is in.
            try caller.cancel(outgoing)
            #expect(try await caller.response(to: outgoing.invite, final: true).statusCode == 487)

            let cancel = try await callee.nextIfAny(timeout: .seconds(2)) { $0.isRequest && $0.method == "CANCEL" }
            #expect(cancel != nil, "the callee got no CANCEL after its 100 Trying: it rings on until someone answers")
            if let cancel {
                try callee.reply(to: cancel, 200)
                try callee.answer(incoming, 487)
            }
        }
    }
}
