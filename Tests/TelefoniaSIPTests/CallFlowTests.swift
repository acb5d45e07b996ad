import TelefoniaCore
import TelefoniaSIP
import Testing

/// Calls between two registered test phones through the B2BUA, with media anchored on the relay.
@Suite struct CallFlowTests {
    /// INVITE → 407 → INVITE with credentials → 100; the callee sees anchored SDP; 180 and 200 reach the caller; BYE ends it with one ANSWERED CDR.
    @Test func connectsAuthenticatedCallWithAnchoredSDP() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phones = try await pbx.registeredPhones(["1000", "1001"])
            let (callee, caller) = (phones[0], phones[1])

            var outgoing = try await caller.call("1000")
            #expect(try await caller.response(to: outgoing.invite, status: 100).statusCode == 100)
            var incoming = try await callee.incomingCall()
            #expect(incoming.invite.requestURI?.description == callee.contactURI)
            #expect(incoming.invite.from.uri.user == "1001")
            let offer = SDPSummary(incoming.invite.body)
            #expect(offer.connectionAddress == "127.0.0.1")
            #expect(pbx.rtpRange.contains(offer.audioPort ?? 0), "callee was offered port \(String(describing: offer.audioPort))")
            #expect(offer.audioPort != caller.media.port)

            try callee.answer(incoming, 180)
            #expect(try await caller.response(to: outgoing.invite, status: 180).to.tag != nil)
            try callee.answer(incoming, 200)
            let ok = try await caller.response(to: outgoing.invite, status: 200)
            let answer = SDPSummary(ok.body)
            #expect(ok.contentType?.hasPrefix("application/sdp") == true)
            #expect(answer.connectionAddress == "127.0.0.1")
            #expect(pbx.rtpRange.contains(answer.audioPort ?? 0), "caller was answered with port \(String(describing: answer.audioPort))")
            #expect(answer.audioPort != offer.audioPort && answer.audioPort != callee.media.port)
            try caller.ack(&outgoing, ok: ok)
            // The server ACKs the callee's 200 itself (its own dialog on the B leg).
            _ = try await callee.request("ACK", callID: incoming.invite.callID)
            #expect(await pbx.server.activeCalls == 1)

            let bye = try callee.bye(&incoming)
            let byeAtCaller = try await caller.request("BYE", callID: outgoing.callID)
            try caller.reply(to: byeAtCaller, 200)
            #expect(try await callee.response(to: bye, final: true).statusCode == 200)

            let cdrs = try await pbx.waitForCDRs(count: 1)
            #expect(cdrs.count == 1)
            let cdr = try #require(cdrs.first)
            #expect(cdr.disposition == .answered)
            #expect(cdr.caller == "1001" && cdr.dialled == "1000")
            #expect(cdr.answeredAt != nil)
        }
    }

    /// RTP each phone sends to the port in the SDP it received reaches the other phone byte for byte.
    @Test func relaysRTPBothWaysUnchanged() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phones = try await pbx.registeredPhones(["1000", "1001"])
            var call = try await pbx.connectCall(from: phones[1], to: phones[0])
            let callerPort = try #require(call.answerAtCaller.audioPort)
            let calleePort = try #require(call.offerAtCallee.audioPort)

            let fromCaller = (0..<5).map { TestUA.rtpPacket(sequence: UInt16(100 + $0), ssrc: 0xCA11_E500, fill: 0x11) }
            try call.caller.sendRTP(fromCaller, toPort: callerPort)
            #expect(try await call.callee.receiveRTP(count: 5) == fromCaller)

            let fromCallee = (0..<5).map { TestUA.rtpPacket(sequence: UInt16(7000 + $0), ssrc: 0xCA11_EE00, fill: 0x77) }
            try call.callee.sendRTP(fromCallee, toPort: calleePort)
            #expect(try await call.caller.receiveRTP(count: 5) == fromCallee)

            let bye = try call.caller.bye(&call.outgoing)
            let byeAtCallee = try await call.callee.request("BYE", callID: call.incoming.invite.callID)
            try call.callee.reply(to: byeAtCallee, 200)
            #expect(try await call.caller.response(to: bye, final: true).statusCode == 200)
        }
    }

    /// A re-INVITE with a=sendonly (hold) reaches the callee re-anchored and its 200 comes back; resuming works the same way and media flows again.
    @Test func passesHoldAndResumeReinvites() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phones = try await pbx.registeredPhones(["1000", "1001"])
            var call = try await pbx.connectCall(from: phones[1], to: phones[0])
            let (caller, callee) = (call.caller, call.callee)
            let bCallID = call.incoming.invite.callID

            var lastCSeqAtCallee = call.incoming.invite.cseq
            for (direction, reply, version) in [("sendonly", "recvonly", 2), ("sendrecv", "sendrecv", 3)] {
                let reinvite = try caller.reinvite(&call.outgoing, sdp: caller.offer(direction: direction, version: version))
                let atCallee = try await callee.request("INVITE", callID: bCallID, inDialog: true, after: lastCSeqAtCallee)
                lastCSeqAtCallee = atCallee.cseq
                #expect(atCallee.to.tag == call.incoming.toTag, "the re-INVITE is in the callee's dialog")
                let forwarded = SDPSummary(atCallee.body)
                #expect(forwarded.direction == direction)
                #expect(forwarded.connectionAddress == "127.0.0.1")
                #expect(forwarded.audioPort == call.offerAtCallee.audioPort, "same relay port facing the callee")
                try callee.reply(to: atCallee, 200, contact: true, sdp: callee.offer(direction: reply, version: version))
                let ok = try await caller.response(to: reinvite, status: 200)
                let answer = SDPSummary(ok.body)
                #expect(answer.direction == reply)
                #expect(answer.audioPort == call.answerAtCaller.audioPort, "same relay port facing the caller")
                try caller.ack(&call.outgoing, ok: ok)
                _ = try await callee.request("ACK", callID: bCallID)
            }

            let packets = (0..<3).map { TestUA.rtpPacket(sequence: UInt16($0), ssrc: 0x0000_0BAD, fill: 0x42) }
            try caller.sendRTP(packets, toPort: try #require(call.answerAtCaller.audioPort))
            #expect(try await callee.receiveRTP(count: 3) == packets)

            let bye = try caller.bye(&call.outgoing)
            try callee.reply(to: try await callee.request("BYE", callID: bCallID), 200)
            #expect(try await caller.response(to: bye, final: true).statusCode == 200)
            let cdrs = try await pbx.waitForCDRs(count: 1)
            #expect(cdrs.map(\.disposition) == [.answered])
        }
    }

    /// A line registered over TCP gets its call (INVITE, ACK, BYE) over that same TCP connection.
    @Test func deliversCallOverRegisteredTCPConnection() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let callee = try #require(try await pbx.registeredPhones(["1002"], transport: .tcp).first)
            #expect(try pbx.registrations("1002").first?.source == "tcp:127.0.0.1:\(callee.localPort)")
            let caller = try #require(try await pbx.registeredPhones(["1003"]).first)

            var call = try await pbx.connectCall(from: caller, to: callee)
            #expect(call.incoming.invite.vias.first?.transport.uppercased() == "TCP")
            _ = try await callee.request("ACK", callID: call.incoming.invite.callID)

            let bye = try caller.bye(&call.outgoing)
            let byeAtCallee = try await callee.request("BYE", callID: call.incoming.invite.callID)
            #expect(byeAtCallee.vias.first?.transport.uppercased() == "TCP")
            try callee.reply(to: byeAtCallee, 200)
            #expect(try await caller.response(to: bye, final: true).statusCode == 200)
            #expect(try await pbx.waitForCDRs(count: 1).map(\.disposition) == [.answered])
        }
    }
}
