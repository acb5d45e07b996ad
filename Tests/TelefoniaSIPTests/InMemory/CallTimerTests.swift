import TelefoniaCore
import TelefoniaSIP
import TelefoniaTesting
import Testing

/// The server's call timers (ring timeout, media timeout) and whole call flows, on the
/// in-memory test bed: exact to the millisecond, no sockets, no sleeps.
@Suite struct CallTimerTests {
    /// A call answered and hung up by the caller after 42 s: callee gets BYE, CDR ANSWERED with 42 billable seconds and the same duration.
    @Test func recordsExactTalkTime() throws {
        let bed = try SIPTestBed()
        let call = try TransactionTimerTests.answeredCall(bed)
        call.caller.send(call.caller.ack(call.invite, ok: call.ok))
        #expect(call.callee.incoming("ACK") != nil, "the callee's 200 was ACKed")
        bed.advance(seconds: 42)
        let bye = call.caller.bye(call.invite, ok: call.ok)
        call.caller.send(bye)
        #expect(call.caller.response(to: bye)?.statusCode == 200)
        let byeAtCallee = try #require(call.callee.incoming("BYE"))
        call.callee.reply(to: byeAtCallee, 200)
        let cdr = try #require(try bed.cdrs().first)
        #expect(cdr.disposition == .answered)
        #expect(cdr.billableSeconds == 42)
        #expect(cdr.duration == 42)
        #expect(cdr.reason == "caller hung up")
        #expect(bed.media.openSessions.isEmpty, "the call's media ports were not freed")
    }

    /// With `call.ring_timeout = 2` the ringing callee gets CANCEL exactly 2 s after the INVITE, the caller 480, the CDR NO ANSWER.
    @Test func givesUpUnansweredCallAfterRingTimeout() throws {
        let bed = try SIPTestBed { $0.ringTimeout = 2 }
        let (caller, callee, invite, incoming) = try #require(bed.ringingCall())
        bed.advance(milliseconds: 1990)
        #expect(callee.incoming("CANCEL") == nil, "cancelled before the ring timeout")
        bed.advance(milliseconds: 10)
        let cancel = try #require(callee.incoming("CANCEL"))
        #expect(cancel.vias.first?.branch == incoming.vias.first?.branch, "CANCEL matches the INVITE's branch")
        let final = try #require(caller.response(to: invite, final: true))
        #expect(final.statusCode == 480)
        callee.reply(to: cancel, 200)
        callee.reply(to: incoming, 487)
        #expect(callee.incoming("ACK") != nil, "the callee's 487 was ACKed")
        let cdr = try #require(try bed.cdrs().first)
        #expect(cdr.disposition == .noAnswer)
        #expect(cdr.sipCause == 480)
    }

    /// With `media.timeout = 2`, an answered call with no RTP is hung up towards both phones 2–3 s after the answer; the CDR says media.
    @Test func hangsUpAnsweredCallWithoutMedia() throws {
        let bed = try SIPTestBed { $0.mediaTimeout = 2 }
        let call = try TransactionTimerTests.answeredCall(bed)
        call.caller.send(call.caller.ack(call.invite, ok: call.ok))
        bed.advance(milliseconds: 1900)
        #expect(call.caller.incoming("BYE") == nil, "hung up before the media timeout")
        bed.advance(milliseconds: 1200)
        #expect(call.caller.incoming("BYE") != nil)
        #expect(call.callee.incoming("BYE") != nil)
        let cdr = try #require(try bed.cdrs().first)
        #expect(cdr.disposition == .answered)
        #expect(cdr.reason.contains("media"), "reason: \(cdr.reason)")
    }

    /// Media that keeps arriving keeps the call up past the media timeout.
    @Test func keepsACallWithMediaUp() throws {
        let bed = try SIPTestBed { $0.mediaTimeout = 2 }
        let call = try TransactionTimerTests.answeredCall(bed)
        call.caller.send(call.caller.ack(call.invite, ok: call.ok))
        for _ in 0..<10 {
            bed.advance(milliseconds: 1000)
            for media in bed.media.openSessions { media.markActivity(at: bed.clock.nowMillis()) }
        }
        #expect(call.caller.incoming("BYE") == nil)
        #expect(try bed.cdrs().isEmpty)
    }

    /// The caller cancels while the callee rings: the callee gets CANCEL, the caller 200 to its CANCEL and 487; CDR CANCELLED.
    @Test func cancelWhileRinging() throws {
        let bed = try SIPTestBed()
        let (caller, callee, invite, incoming) = try #require(bed.ringingCall())
        let cancel = caller.cancel(invite)
        caller.send(cancel)
        #expect(caller.response(to: cancel)?.statusCode == 200)
        #expect(caller.response(to: invite, final: true)?.statusCode == 487)
        let cancelAtCallee = try #require(callee.incoming("CANCEL"))
        callee.reply(to: cancelAtCallee, 200)
        callee.reply(to: incoming, 487)
        #expect(try bed.cdrs().map(\.disposition) == [.cancelled])
    }

    /// SIGTERM with a call up (no grace): both phones get BYE and the CDR is written.
    @Test func shutdownEndsCallsWithTheirRecords() throws {
        let bed = try SIPTestBed()
        let call = try TransactionTimerTests.answeredCall(bed)
        call.caller.send(call.caller.ack(call.invite, ok: call.ok))
        bed.advance(seconds: 5)
        bed.shutdown()
        #expect(call.caller.incoming("BYE") != nil)
        #expect(call.callee.incoming("BYE") != nil)
        let cdr = try #require(try bed.cdrs().first)
        #expect(cdr.reason == "server shutdown")
        #expect(cdr.billableSeconds == 5)
    }
}
