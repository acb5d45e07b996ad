import NIOCore
import TelefoniaCore
import TelefoniaSIP
import TelefoniaTesting
import Testing

/// A captured Authorization cannot be used again (RFC 7616 §3.4.5, §5.7): not verbatim,
/// not from another address, not on INVITE; an honest client counting up keeps working.
@Suite struct DigestReplayTests {
    static func bindings(_ bed: SIPTestBed) throws -> [Registration] {
        try bed.store.registrations(tenantID: SIPTestBed.tenantID, extensionNumber: "1000")
    }

    /// The REGISTER with credentials sent again verbatim (same nc, new branch) gets a fresh 401 and binds nothing new.
    @Test func verbatimReplayOfARegisterIsChallenged() throws {
        let bed = try SIPTestBed()
        let phone = bed.phone("1000")
        let (register, first) = phone.challengedRegister()
        let challenge = try #require(first)
        let signed = phone.authorized(register, answering: challenge)
        phone.send(signed)
        #expect(phone.response(to: signed)?.statusCode == 200)

        var replay = signed
        replay.vias[0] = Via(transport: "UDP", host: phone.peer.host, port: phone.peer.port, parameters: [("branch", "z9hG4bKreplay1")])
        replay.contacts = [NameAddress(uri: SIPURI(user: "evil", host: "203.0.113.66", port: 5060))]
        replay.callID = "attacker-call"
        bed.advance(seconds: 2)
        phone.send(replay)
        let answer = try #require(phone.response(to: replay))
        #expect(answer.statusCode == 401)
        #expect(answer.wwwAuthenticate.first?.contains("stale=true") != true)
        #expect(try Self.bindings(bed).map(\.contact) == [phone.contact.description], "the attacker's contact was bound")
    }

    /// The same credentials sent from another address: that nonce is not valid there.
    @Test func replayFromAnotherAddressIsChallenged() throws {
        let bed = try SIPTestBed()
        let phone = bed.phone("1000")
        let attacker = bed.phone("1000")
        let (register, first) = phone.challengedRegister()
        let challenge = try #require(first)
        let signed = phone.authorized(register, answering: challenge)
        // Captured on the way and sent first, from elsewhere, with the attacker's contact.
        var stolen = signed
        stolen.contacts = [NameAddress(uri: attacker.contact)]
        stolen.vias[0] = Via(transport: "UDP", host: "127.0.0.1", port: attacker.peer.port, parameters: [("branch", "z9hG4bKstolen")])
        let elsewhere = SIPPeer(kind: .udp, address: try SocketAddress(ipAddress: "127.0.0.2", port: attacker.peer.port))
        bed.transport.deliverInbound(stolen, from: elsewhere)
        let toAttacker = bed.transport.readOutbound { $0.message.callID == stolen.callID && $0.message.cseq == stolen.cseq }
        #expect(toAttacker?.message.statusCode == 401)
        #expect(try Self.bindings(bed).isEmpty)
        phone.send(signed)
        #expect(phone.response(to: signed)?.statusCode == 200, "the phone's own request still works")
    }

    /// A client that reuses the nonce with nc 2, 3 (RFC 7616 §3.4.5) keeps registering without a new challenge.
    @Test func risingNonceCountsKeepWorking() throws {
        let bed = try SIPTestBed()
        let phone = bed.phone("1000")
        let (register, first) = phone.challengedRegister()
        let challenge = try #require(first)
        for count in 1...3 {
            let signed = phone.authorized(register, answering: challenge, nonceCount: count)
            phone.send(signed)
            #expect(phone.response(to: signed)?.statusCode == 200, "nc \(count)")
        }
        let again = phone.authorized(register, answering: challenge, nonceCount: 2)
        phone.send(again)
        #expect(phone.response(to: again)?.statusCode == 401, "a lower count is a replay")
    }

    /// An INVITE's Proxy-Authorization replayed in a new INVITE gets 407, and no second call reaches the callee.
    @Test func replayedInviteIsChallenged() throws {
        let bed = try SIPTestBed()
        let (caller, callee, invite, incoming) = try #require(bed.ringingCall())
        callee.reply(to: incoming, 486)
        _ = callee.incoming("ACK")
        #expect(caller.response(to: invite, final: true)?.statusCode == 486)

        var replay = invite
        replay.callID = "replayed-invite"
        replay.from = invite.from.withTag("evil")
        replay.vias[0] = Via(transport: "UDP", host: caller.peer.host, port: caller.peer.port, parameters: [("branch", "z9hG4bKreplayinv")])
        caller.send(replay)
        #expect(caller.response(to: replay, final: true)?.statusCode == 407)
        #expect(callee.incoming("INVITE") == nil, "the replayed INVITE rang the callee")
        #expect(try bed.cdrs().count == 1)
    }
}
