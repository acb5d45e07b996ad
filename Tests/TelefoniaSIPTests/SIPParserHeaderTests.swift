import TelefoniaSIP
import Testing

/// Headers survive `SIPParser.parse`: those kept as typed fields and, via `header(_:)`, every other one.
@Suite struct SIPParserHeaderTests {
    static let okToOptions = """
        SIP/2.0 200 OK\r
        Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r
        From: <sip:1001@acme.test>;tag=a\r
        To: <sip:1000@acme.test>;tag=b\r
        Call-ID: headers-1\r
        CSeq: 1 OPTIONS\r
        Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r
        Accept: application/sdp\r
        Supported: replaces\r
        Call-Info: <http://acme.test/photo.png>;purpose=icon\r
        Alert-Info: <http://acme.test/ring.wav>\r
        Unsupported: foo\r
        Content-Length: 0\r
        \r

        """

    /// Allow, Accept, Call-Info and Alert-Info of a parsed message are readable with `header(_:)` (libosip2 keeps them in lists of their own).
    @Test func keepsHeadersLibosipStoresApart() throws {
        let message = try SIPParser.parse(Array(Self.okToOptions.utf8))
        #expect(message.header("Allow") == "INVITE, ACK, CANCEL, BYE, OPTIONS", "Allow lost in parsing")
        #expect(message.header("Accept") == "application/sdp", "Accept lost in parsing")
        #expect(message.header("Call-Info")?.contains("purpose=icon") == true, "Call-Info lost in parsing")
        #expect(message.header("Alert-Info")?.contains("ring.wav") == true, "Alert-Info lost in parsing")
    }

    /// Headers libosip2 treats as generic (Supported, Unsupported) keep their values.
    @Test func keepsGenericHeaders() throws {
        let message = try SIPParser.parse(Array(Self.okToOptions.utf8))
        #expect(message.header("Supported") == "replaces")
        #expect(message.header("Unsupported") == "foo")
        #expect(message.callID == "headers-1" && message.cseq == 1 && message.cseqMethod == "OPTIONS")
    }

    /// A response that creates a dialog carries the request's Record-Route (RFC 3261
    /// §12.1.1): behind Kamailio the phone's ACK and BYE go through the proxy. Others do not.
    @Test func dialogResponsesCopyRecordRoute() throws {
        let invite = try SIPParser.parse(Array("""
            INVITE sip:1001@10.77.0.2 SIP/2.0\r
            Via: SIP/2.0/UDP 10.77.0.2;branch=z9hG4bKproxy\r
            Via: SIP/2.0/UDP 10.77.0.1:5070;received=10.77.0.1;branch=z9hG4bK1\r
            Record-Route: <sip:10.77.0.2;r2=on;lr>\r
            Record-Route: <sip:10.77.0.2;transport=tcp;r2=on;lr>\r
            From: <sip:1000@10.77.0.2>;tag=a\r
            To: <sip:1001@10.77.0.2>\r
            Call-ID: rr-1\r
            CSeq: 1 INVITE\r
            Contact: <sip:1000@10.77.0.1:5070>\r
            Content-Length: 0\r
            \r

            """.utf8))
        #expect(invite.response(200, toTag: "b").recordRoutes == ["<sip:10.77.0.2;r2=on;lr>", "<sip:10.77.0.2;transport=tcp;r2=on;lr>"])
        #expect(invite.response(180, toTag: "b").recordRoutes.count == 2)
        #expect(invite.response(100).recordRoutes.isEmpty)
        #expect(invite.response(486, toTag: "b").recordRoutes.isEmpty)
        let serialized = String(decoding: invite.response(200, toTag: "b").serialized(), as: UTF8.self)
        #expect(serialized.contains("Record-Route: <sip:10.77.0.2;r2=on;lr>\r\n"))
    }
}
