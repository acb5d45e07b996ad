import TelefoniaCore
import TelefoniaSIP
import Testing

/// A line with several registered contacts: the call forks to all of them (RFC 3261 §16.7 behaviour, done by the B2BUA).
@Suite struct ForkingTests {
    /// Both contacts get the INVITE; the first to answer gets the call and the other gets CANCEL.
    @Test func firstAnsweringContactWinsAndOtherIsCancelled() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phones = try await pbx.registeredPhones(["1000", "1000", "1001"])
            let (desk, softphone, caller) = (phones[0], phones[1], phones[2])
            #expect(try pbx.registrations("1000").count == 2)

            var outgoing = try await caller.call("1000")
            let atDesk = try await desk.incomingCall()
            let atSoftphone = try await softphone.incomingCall()
            #expect(atDesk.invite.callID == atSoftphone.invite.callID, "one B-leg dialog set, forked")
            #expect(atDesk.invite.requestURI?.description == desk.contactURI)
            #expect(atSoftphone.invite.requestURI?.description == softphone.contactURI)
            try desk.answer(atDesk, 180)
            try softphone.answer(atSoftphone, 180)
            _ = try await caller.response(to: outgoing.invite, status: 180)

            try softphone.answer(atSoftphone, 200)
            let ok = try await caller.response(to: outgoing.invite, status: 200)
            try caller.ack(&outgoing, ok: ok)
            _ = try await softphone.request("ACK", callID: atSoftphone.invite.callID)

            let cancel = try await desk.request("CANCEL", callID: atDesk.invite.callID)
            #expect(cancel.vias.first?.branch == atDesk.invite.vias.first?.branch)
            try desk.reply(to: cancel, 200)
            try desk.answer(atDesk, 487)

            let bye = try caller.bye(&outgoing)
            let byeAtWinner = try await softphone.request("BYE", callID: atSoftphone.invite.callID)
            #expect(byeAtWinner.to.tag == atSoftphone.toTag)
            try softphone.reply(to: byeAtWinner, 200)
            #expect(try await caller.response(to: bye, final: true).statusCode == 200)
            let stray = try await desk.collect(for: .milliseconds(300)) { $0.isRequest && $0.method == "BYE" }
            #expect(stray.isEmpty, "the cancelled contact must not get a BYE")
            #expect(try await pbx.waitForCDRs(count: 1).map(\.disposition) == [.answered])
        }
    }

    /// When both contacts answer before the CANCEL lands, the late 200 is ACKed and its dialog ended with BYE.
    @Test func lateSecondAnswerIsAcknowledgedAndHungUp() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phones = try await pbx.registeredPhones(["1000", "1000", "1001"])
            let (desk, softphone, caller) = (phones[0], phones[1], phones[2])

            var outgoing = try await caller.call("1000")
            let atDesk = try await desk.incomingCall()
            let atSoftphone = try await softphone.incomingCall()
            try desk.answer(atDesk, 200)
            try softphone.answer(atSoftphone, 200)

            let ok = try await caller.response(to: outgoing.invite, status: 200)
            try caller.ack(&outgoing, ok: ok)
            let okCount = try await caller.collect(for: .milliseconds(200)) { $0.statusCode == 200 && $0.cseqMethod == "INVITE" && $0.to.tag != ok.to.tag }
            #expect(okCount.isEmpty, "the caller sees one answer only")

            _ = try await desk.request("ACK", callID: atDesk.invite.callID)
            _ = try await softphone.request("ACK", callID: atSoftphone.invite.callID)
            let loserBye = try await softphone.request("BYE", callID: atSoftphone.invite.callID)
            #expect(loserBye.to.tag == atSoftphone.toTag)
            try softphone.reply(to: loserBye, 200)

            let bye = try caller.bye(&outgoing)
            try desk.reply(to: try await desk.request("BYE", callID: atDesk.invite.callID), 200)
            #expect(try await caller.response(to: bye, final: true).statusCode == 200)
        }
    }
}
