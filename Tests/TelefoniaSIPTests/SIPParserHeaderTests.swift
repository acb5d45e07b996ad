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
}
