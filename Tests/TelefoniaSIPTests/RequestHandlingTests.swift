import TelefoniaCore
import TelefoniaSIP
import TelefoniaTesting
import Testing

/// How the server answers requests it does not route: OPTIONS, unknown or
/// unsupported methods and extensions, and malformed input (RFC 3261 §8.2, §21.4).
@Suite struct RequestHandlingTests {
    private func sendOutOfDialog(_ phone: TestUA, _ method: String, headers: [(String, String)] = []) throws -> TestUA.SentRequest {
        try phone.sendRequest(
            method, uri: "sip:1000@\(TestPBX.domain)", from: "<\(phone.aor)>;tag=\(TestUA.token())",
            to: "<sip:1000@\(TestPBX.domain)>", callID: TestUA.token() + "@misc", cseq: 1, headers: headers)
    }

    /// OPTIONS outside a dialog gets 200 with Allow listing the methods the server handles.
    @Test func answersOptionsWithAllow() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phone = try pbx.phone("1001")
            let received = try await phone.receivedResponse(to: sendOutOfDialog(phone, "OPTIONS"), final: true)
            #expect(received.message.statusCode == 200)
            // Read from the wire: SIPParser drops Allow (see SIPParserHeaderTests).
            let allow = try #require(received.rawHeader("Allow").first, "no Allow in \(received.text)")
            for method in ["INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "REGISTER"] {
                #expect(allow.contains(method), "Allow: \(allow) lacks \(method)")
            }
        }
    }

    /// A method the server does not know (FOO) gets 501.
    @Test func rejectsUnknownMethodWith501() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phone = try pbx.phone("1001")
            let response = try await phone.response(to: sendOutOfDialog(phone, "FOO"), final: true)
            #expect(response.statusCode == 501)
        }
    }

    /// PUBLISH, a known method the server does not support, gets 405 with Allow (which
    /// names SUBSCRIBE: message-summary subscriptions are served).
    @Test func rejectsPublishWith405AndAllow() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phone = try pbx.phone("1001")
            let request = try sendOutOfDialog(phone, "PUBLISH", headers: [("Event", "presence"), ("Expires", "600")])
            let received = try await phone.receivedResponse(to: request, final: true)
            #expect(received.message.statusCode == 405)
            let allow = try #require(received.rawHeader("Allow").first, "no Allow in \(received.text)")
            #expect(allow.contains("INVITE") && allow.contains("SUBSCRIBE"))
            #expect(!allow.contains("PUBLISH"))
        }
    }

    /// SUBSCRIBE to an event other than message-summary gets 489 Bad Event with Allow-Events.
    @Test func rejectsSubscribeToOtherEventsWith489() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phone = try pbx.phone("1001")
            let request = try sendOutOfDialog(phone, "SUBSCRIBE", headers: [("Event", "presence"), ("Expires", "600")])
            let received = try await phone.receivedResponse(to: request, final: true)
            #expect(received.message.statusCode == 489)
            #expect(received.rawHeader("Allow-Events").first == "message-summary")
        }
    }

    /// `Require: foo` gets 420 naming foo in Unsupported (RFC 3261 §8.2.2.3).
    @Test func rejectsUnknownRequiredExtensionWith420() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phone = try pbx.phone("1001")
            let response = try await phone.response(to: sendOutOfDialog(phone, "OPTIONS", headers: [("Require", "foo")]), final: true)
            #expect(response.statusCode == 420)
            #expect(response.header("Unsupported")?.trimmingSpaces() == "foo")
        }
    }

    /// Datagrams of random bytes get no answer, and the server still answers OPTIONS after them.
    @Test func ignoresGarbageDatagrams() async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phone = try pbx.phone("1001")
            var random = SeededRandom(seed: 0x5EED_0001)
            for _ in 0..<50 {
                let length = Int.random(in: 1...1400, using: &random)
                try phone.send((0..<length).map { _ in UInt8.random(in: 0...255, using: &random) })
            }
            try phone.send("INVITE sip:x SIP/2.0\r\n\r\n")
            try phone.send("SIP/2.0 200 OK\r\nVia: nonsense\r\n\r\n")
            let options = try sendOutOfDialog(phone, "OPTIONS")
            // The first thing back is the answer to OPTIONS: nothing was sent for the garbage.
            let first = try await phone.next("any message") { _ in true }
            #expect(first.statusCode == 200 && first.callID == options.callID, "got \(TestUA.summary(first))")
        }
    }

    /// A request whose start line is broken but whose Via/From/To/Call-ID/CSeq are fine gets 400.
    @Test(arguments: [
        "OPTIONS <sip:1000@acme.test> SIP/2.0",
        "OPTIONS sip:1000@acme.test SIP/2.0 trailing",
        "OPTIONS  SIP/2.0",
    ])
    func answersBrokenStartLineWith400(startLine: String) async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phone = try pbx.phone("1001")
            let callID = TestUA.token() + "@broken"
            try phone.send(
                "\(startLine)\r\n" + "Via: SIP/2.0/UDP 127.0.0.1:\(phone.localPort);branch=\(TestUA.branch())\r\n"
                    + "From: <sip:1001@acme.test>;tag=abc\r\nTo: <sip:1000@acme.test>\r\nCall-ID: \(callID)\r\n"
                    + "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
            let response = try await phone.next("400 to the broken request") { $0.callID == callID }
            #expect(response.statusCode == 400)
            #expect(response.cseq == 1 && response.cseqMethod == "OPTIONS")
        }
    }

    /// A header line longer than 4096 characters is refused (400) or dropped, and the server keeps serving.
    @Test(arguments: [TestUA.Transport.udp, .tcp])
    func survivesOverlongHeaderLine(transport: TestUA.Transport) async throws {
        try await TestPBX.with(rtpBase: RTPBlocks.take()) { pbx in
            let phone = try pbx.phone("1001", transport: transport)
            let long = try sendOutOfDialog(phone, "OPTIONS", headers: [("Subject", String(repeating: "a", count: 5000))])
            let answers = try await phone.collect(for: .milliseconds(400)) { $0.callID == long.callID }
            #expect(answers.allSatisfy { $0.statusCode == 400 }, "got \(answers.map(TestUA.summary))")
            let options = try sendOutOfDialog(phone, "OPTIONS")
            #expect(try await phone.response(to: options, final: true).statusCode == 200)
        }
    }
}
