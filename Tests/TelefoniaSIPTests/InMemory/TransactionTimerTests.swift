import TelefoniaCore
import TelefoniaSIP
import TelefoniaTesting
import Testing

/// RFC 3261 §17 timers of the server's transactions, on the in-memory test bed: the
/// loop's time and the wall clock move only when the test says, so every interval is
/// checked to the millisecond and nothing sleeps.
@Suite struct TransactionTimerTests {
    /// Registers lines 1000 and 1001 and connects 1001 → 1000 up to the callee's 200; the caller's 200 is returned unacknowledged.
    static func answeredCall(_ bed: SIPTestBed) throws -> (caller: MemoryPhone, callee: MemoryPhone, invite: SIPMessage, ok: SIPMessage, incoming: SIPMessage) {
        let phones = try #require(bed.registeredPhones(["1000", "1001"]))
        let (callee, caller) = (phones[0], phones[1])
        let invite = caller.call("1000")
        let incoming = try #require(callee.incoming("INVITE"))
        callee.reply(to: incoming, 200)
        let ok = try #require(caller.response(to: invite, final: true))
        #expect(ok.statusCode == 200)
        // The 100 Trying before it is not what the tests look at.
        while caller.received() != nil {}
        return (caller, callee, invite, ok, incoming)
    }

    /// An unacknowledged 200 to the caller is sent again after T1, 2·T1, 4·T1 (0.5, 1, 2 s), then every T2 (4 s), and no more once ACKed.
    @Test func retransmitsTheOKWithTimerGUntilTheACK() throws {
        let bed = try SIPTestBed()
        let call = try Self.answeredCall(bed)
        var gaps: [Int64] = []
        var last: Int64 = 0
        for _ in 0..<2000 {
            bed.advance(milliseconds: 10)
            last += 10
            if call.caller.response(to: call.invite) != nil {
                gaps.append(last)
                last = 0
            }
            if gaps.count == 5 { break }
        }
        #expect(gaps == [500, 1000, 2000, 4000, 4000])
        call.caller.send(call.caller.ack(call.invite, ok: call.ok))
        bed.advance(seconds: 10)
        #expect(call.caller.count { !$0.isRequest } == 0, "the 200 was sent again after its ACK")
    }

    /// Without an ACK the 200 is retransmitted for 64·T1 (timer H, 32 s) and then no more.
    @Test func stopsRetransmittingAfterTimerH() throws {
        let bed = try SIPTestBed()
        let call = try Self.answeredCall(bed)
        bed.advance(seconds: 32)
        // 0.5 + 1 + 2 + 4·7 = 31.5 s: ten copies within timer H.
        #expect(call.caller.count { $0.statusCode == 200 && $0.cseq == call.invite.cseq } == 10)
        while call.caller.received() != nil {}
        bed.advance(seconds: 30)
        #expect(call.caller.count { $0.statusCode == 200 && $0.cseqMethod == "INVITE" } == 0)
    }

    /// A callee that never answers our INVITE gets it again after 0.5, 1, 2, 4, 8 and 16 s (timer A), and at 32 s (timer B) the caller gets 408.
    @Test func retransmitsTheINVITEWithTimerAAndGivesUpAtTimerB() throws {
        let bed = try SIPTestBed { $0.ringTimeout = 120 }
        let phones = try #require(bed.registeredPhones(["1000", "1001"]))
        let (callee, caller) = (phones[0], phones[1])
        let invite = caller.call("1000")
        let first = try #require(callee.incoming("INVITE"))
        var sentAt: [Int64] = []
        for tick in 1...3300 {
            bed.advance(milliseconds: 10)
            if let again = callee.incoming("INVITE") {
                #expect(again.vias.first?.branch == first.vias.first?.branch)
                sentAt.append(Int64(tick) * 10)
            }
        }
        #expect(sentAt == [500, 1500, 3500, 7500, 15500, 31500])
        let final = try #require(caller.response(to: invite, final: true))
        #expect(final.statusCode == 408)
        #expect(try bed.cdrs().map(\.disposition) == [.noAnswer])
    }

    /// A BYE the far end never answers is sent again with timer E (0.5, 1, 2 s, then every T2 = 4 s) until timer F (32 s).
    @Test func retransmitsAnUnansweredBYEUntilTimerF() throws {
        let bed = try SIPTestBed()
        let call = try Self.answeredCall(bed)
        call.caller.send(call.caller.ack(call.invite, ok: call.ok))
        _ = call.callee.incoming("ACK")
        let bye = call.caller.bye(call.invite, ok: call.ok)
        call.caller.send(bye)
        #expect(call.caller.response(to: bye)?.statusCode == 200)
        _ = try #require(call.callee.incoming("BYE"))
        var sentAt: [Int64] = []
        for tick in 1...3300 {
            bed.advance(milliseconds: 10)
            if call.callee.incoming("BYE") != nil { sentAt.append(Int64(tick) * 10) }
        }
        #expect(sentAt == [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500])
    }

    /// The caller's INVITE retransmitted (same branch) makes one call and is answered with the last provisional response.
    @Test func retransmittedINVITEMakesOneCall() throws {
        let bed = try SIPTestBed()
        let (caller, callee, invite, incoming) = try #require(bed.ringingCall())
        #expect(caller.response(to: invite)?.statusCode == 100)
        #expect(caller.response(to: invite)?.statusCode == 180)
        caller.send(invite)
        #expect(caller.response(to: invite)?.statusCode == 180, "the retransmission gets the last provisional")
        #expect(callee.incoming("INVITE") == nil, "the callee got a second INVITE")
        callee.reply(to: incoming, 486)
        _ = callee.incoming("ACK")
        let busy = try #require(caller.response(to: invite, final: true))
        #expect(busy.statusCode == 486)
        caller.send(caller.ack(invite, failure: busy))
        #expect(try bed.cdrs().map(\.disposition) == [.busy])
    }
}
