import Testing

@testable import TelefoniaSIP

/// The overload gate's byte-level fast path: which datagrams it may shed without a parse,
/// and the 503 it writes for them.
@Suite struct ShedScreenTests {
    static func message(_ start: String, _ headers: [String]) -> [UInt8] {
        Array((([start] + headers).joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    static let dialog = [
        "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKa;rport", "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKb",
        "From: \"A; tag=no\" <sip:1000@x.test>;tag=f1", "Call-ID: c1@x", "CSeq: 1 INVITE", "Max-Forwards: 70",
    ]

    @Test func classifiesNewRequestsWithoutCredentials() {
        let invite = Self.message("INVITE sip:1001@x.test SIP/2.0", Self.dialog + ["To: <sip:1001@x.test;tag=uri-param-not-header>"])
        #expect(ShedScreen.classify(invite) == .gated, "a ;tag inside <> is the URI's, not the header's")
        #expect(ShedScreen.classify(Self.message("INVITE sip:1001@x.test SIP/2.0", Self.dialog + ["t: sip:1001@x.test"])) == .gated)
        let register = Self.message("REGISTER sip:x.test SIP/2.0", Self.dialog + ["To: <sip:1000@x.test>"])
        #expect(ShedScreen.classify(register) == .gated)
    }

    @Test func leavesEverythingElseToTheParser() {
        let to = "To: <sip:1001@x.test>"
        #expect(ShedScreen.classify(Self.message("INVITE sip:1001@x.test SIP/2.0", Self.dialog + [to + " ; TAG = t9"])) == .other,
                "an in-dialog re-INVITE is never shed")
        #expect(ShedScreen.classify(Self.message("INVITE sip:1001@x.test SIP/2.0",
                                                 Self.dialog + [to, "Proxy-Authorization: Digest username=\"1000\""])) == .other,
                "an INVITE answering our challenge passes")
        #expect(ShedScreen.classify(Self.message("REGISTER sip:x.test SIP/2.0",
                                                 Self.dialog + [to, "authorization: Digest username=\"1000\""])) == .other)
        #expect(ShedScreen.classify(Self.message("INVITE sip:1001@x.test SIP/2.0", Self.dialog + ["To: <sip:1001@x.test", " >"])) == .other,
                "folded lines go to the parser")
        #expect(ShedScreen.classify(Self.message("BYE sip:1001@x.test SIP/2.0", Self.dialog + [to])) == .other)
        #expect(ShedScreen.classify(Self.message("SIP/2.0 200 OK", Self.dialog + [to])) == .other)
        #expect(ShedScreen.classify(Array("INVITE sip:1001@x.test SIP/2.0\r\nTo: <sip:a@b>".utf8)) == .other, "no end of headers")
    }

    @Test func recognisesTheACKOfItsOwn503() {
        let ack = Self.message("ACK sip:1001@x.test SIP/2.0", Self.dialog + ["To: <sip:1001@x.test>;tag=shed0123abcd"])
        #expect(ShedScreen.classify(ack) == .shedACK)
        let other = Self.message("ACK sip:1001@x.test SIP/2.0", Self.dialog + ["To: <sip:1001@x.test>;tag=0123abcd"])
        #expect(ShedScreen.classify(other) == .other)
    }

    /// The 503 copies the Vias in order, From, To with the new tag, Call-ID and CSeq, adds
    /// Retry-After, and parses.
    @Test func writesAParseable503() throws {
        let invite = Self.message("INVITE sip:1001@x.test SIP/2.0", Self.dialog + ["To: <sip:1001@x.test>"])
        let bytes = try #require(ShedScreen.refusal(invite, reason: "Service Unavailable (overloaded)", retryAfter: 5, tag: "shedabc"))
        let response = try SIPParser.parse(bytes)
        #expect(response.statusCode == 503)
        #expect(response.vias.map(\.branch) == ["z9hG4bKa", "z9hG4bKb"])
        #expect(response.to.tag == "shedabc")
        #expect(response.from.tag == "f1")
        #expect(response.callID == "c1@x" && response.cseq == 1 && response.cseqMethod == "INVITE")
        #expect(response.header("Retry-After") == "5")
        #expect(response.header("Max-Forwards") == nil)
        let noCallID = Self.message("INVITE sip:1001@x.test SIP/2.0", Array(Self.dialog.filter { !$0.hasPrefix("Call-ID") }) + ["To: <sip:b@x>"])
        #expect(ShedScreen.refusal(noCallID, reason: "x", retryAfter: 5, tag: "shed1") == nil)
    }
}
