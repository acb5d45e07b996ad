import TelefoniaCore
import TelefoniaSIP
import TelefoniaTesting
import Testing

/// CANCEL on both legs (RFC 3261 §9) and forking to every contact of a line, on the
/// in-memory test bed: the races (a 200 crossing a CANCEL, a CANCEL before any
/// provisional) are set up exactly instead of hoped for over sockets.
@Suite struct CancelAndForkTests {
    /// The callee's 487 after the server's CANCEL is ACKed on the INVITE's branch (§17.1.1.3): the CANCEL did not replace the INVITE transaction.
    @Test func acknowledgesCalleeFinalResponseAfterCancel() throws {
        let bed = try SIPTestBed()
        let (caller, callee, invite, incoming) = try #require(bed.ringingCall())
        caller.send(caller.cancel(invite))
        let cancel = try #require(callee.incoming("CANCEL"))
        #expect(cancel.vias.first?.branch == incoming.vias.first?.branch)
        #expect(cancel.cseq == incoming.cseq)
        callee.reply(to: cancel, 200)
        callee.reply(to: incoming, 487)
        let ack = try #require(callee.incoming("ACK"))
        #expect(ack.vias.first?.branch == incoming.vias.first?.branch)
    }

    /// A 200 from the callee that crosses the server's CANCEL is ACKed and that dialog ended with BYE (§9.1, §15); the caller gets 487.
    @Test func endsAnswerThatCrossesCancel() throws {
        let bed = try SIPTestBed()
        let (caller, callee, invite, incoming) = try #require(bed.ringingCall())
        caller.send(caller.cancel(invite))
        let cancel = try #require(callee.incoming("CANCEL"))
        callee.reply(to: incoming, 200)
        callee.reply(to: cancel, 200)
        #expect(callee.incoming("ACK") != nil, "the callee's 200 was never ACKed")
        let bye = try #require(callee.incoming("BYE"), "the callee's dialog was never ended")
        callee.reply(to: bye, 200)
        #expect(caller.response(to: invite, final: true)?.statusCode == 487)
        #expect(try bed.cdrs().map(\.disposition) == [.cancelled])
    }

    /// A CANCEL before the callee sent anything waits for its first provisional response (§9.1), then goes out.
    @Test func holdsTheCancelUntilAProvisionalResponse() throws {
        let bed = try SIPTestBed()
        let phones = try #require(bed.registeredPhones(["1000", "1001"]))
        let (callee, caller) = (phones[0], phones[1])
        let invite = caller.call("1000")
        let incoming = try #require(callee.incoming("INVITE"))
        caller.send(caller.cancel(invite))
        #expect(caller.response(to: invite, final: true)?.statusCode == 487)
        #expect(callee.incoming("CANCEL") == nil, "CANCEL sent before any provisional response")
        callee.reply(to: incoming, 100)
        let cancel = try #require(callee.incoming("CANCEL"), "the callee got no CANCEL after its 100 Trying")
        callee.reply(to: cancel, 200)
        callee.reply(to: incoming, 487)
        #expect(callee.incoming("ACK") != nil)
    }

    /// Both contacts of a line get the INVITE (one B-leg Call-ID); the first to answer wins and the other gets CANCEL, never a BYE.
    @Test func firstAnsweringContactWinsAndOtherIsCancelled() throws {
        let bed = try SIPTestBed()
        let phones = try #require(bed.registeredPhones(["1000", "1000", "1001"]))
        let (desk, softphone, caller) = (phones[0], phones[1], phones[2])
        #expect(try bed.store.registrations(tenantID: SIPTestBed.tenantID, extensionNumber: "1000").count == 2)
        let invite = caller.call("1000")
        let atDesk = try #require(desk.incoming("INVITE"))
        let atSoftphone = try #require(softphone.incoming("INVITE"))
        #expect(atDesk.callID == atSoftphone.callID, "one B-leg dialog set, forked")
        #expect(atDesk.requestURI == desk.contact)
        desk.reply(to: atDesk, 180)
        softphone.reply(to: atSoftphone, 180, tag: "soft")
        softphone.reply(to: atSoftphone, 200, tag: "soft")
        let ok = try #require(caller.response(to: invite, final: true))
        #expect(ok.statusCode == 200)
        caller.send(caller.ack(invite, ok: ok))
        #expect(softphone.incoming("ACK") != nil)
        let cancel = try #require(desk.incoming("CANCEL"))
        #expect(cancel.vias.first?.branch == atDesk.vias.first?.branch)
        desk.reply(to: cancel, 200)
        desk.reply(to: atDesk, 487)

        let bye = caller.bye(invite, ok: ok)
        caller.send(bye)
        let byeAtWinner = try #require(softphone.incoming("BYE"))
        #expect(byeAtWinner.to.tag == "soft")
        softphone.reply(to: byeAtWinner, 200)
        #expect(caller.response(to: bye)?.statusCode == 200)
        #expect(desk.incoming("BYE") == nil, "the cancelled contact got a BYE")
        #expect(try bed.cdrs().map(\.disposition) == [.answered])
    }

    /// When both contacts answer, the late 200 is ACKed and its dialog ended with BYE; the caller sees one answer.
    @Test func lateSecondAnswerIsAcknowledgedAndHungUp() throws {
        let bed = try SIPTestBed()
        let phones = try #require(bed.registeredPhones(["1000", "1000", "1001"]))
        let (desk, softphone, caller) = (phones[0], phones[1], phones[2])
        let invite = caller.call("1000")
        let atDesk = try #require(desk.incoming("INVITE"))
        let atSoftphone = try #require(softphone.incoming("INVITE"))
        desk.reply(to: atDesk, 200, tag: "desk")
        softphone.reply(to: atSoftphone, 200, tag: "soft")
        let ok = try #require(caller.response(to: invite, final: true))
        #expect(ok.statusCode == 200)
        #expect(caller.response(to: invite, final: true) == nil, "the caller got a second answer")
        #expect(desk.incoming("ACK") != nil)
        #expect(softphone.incoming("ACK") != nil)
        let loserBye = try #require(softphone.incoming("BYE"))
        #expect(loserBye.to.tag == "soft")
    }

    /// The callee's 200 to a re-INVITE, retransmitted after the server ACKed it, is ACKed again and not passed to the caller (§13.3.1.4).
    @Test func absorbsRetransmittedOKToReinvite() throws {
        let bed = try SIPTestBed()
        let call = try TransactionTimerTests.answeredCall(bed)
        call.caller.send(call.caller.ack(call.invite, ok: call.ok))
        _ = call.callee.incoming("ACK")
        var hold = call.caller.request("INVITE", to: call.ok.contacts.first!.uri, callID: call.invite.callID,
                                       toTag: call.ok.to.tag, body: call.caller.sdp(port: 7002))
        hold.from = call.invite.from
        call.caller.send(hold)
        let atCallee = try #require(call.callee.incoming("INVITE"))
        #expect(atCallee.callID == call.incoming.callID)
        call.callee.reply(to: atCallee, 200)
        let ok = try #require(call.caller.response(to: hold, final: true))
        #expect(ok.statusCode == 200)
        call.caller.send(call.caller.ack(hold, ok: ok))
        #expect(call.callee.incoming("ACK") != nil)
        call.callee.reply(to: atCallee, 200)
        #expect(call.callee.incoming("ACK") != nil, "the retransmitted 200 was not ACKed")
        #expect(call.caller.response(to: hold, final: true) == nil, "the caller got a 200 it had already ACKed")
    }
}
