import Testing
import TelefoniaCore
@testable import TelefoniaWebRTC

/// The web phone's media pieces without a browser: DTLS-SRTP between two of our own
/// associations, STUN checks, and reading a browser's SDP.
@Suite struct WebRTCTests {
    /// A client and a server association shake hands over datagrams passed by hand, check
    /// each other's fingerprint, and then each side decrypts what the other encrypted —
    /// and nothing altered.
    @Test func dtlsHandshakeKeysSRTPBothWays() throws {
        let serverContext = try DTLSContext()
        let clientContext = try DTLSContext(client: true)
        let server = try DTLSAssociation(context: serverContext, server: true, expectedFingerprint: clientContext.fingerprint)
        let client = try DTLSAssociation(context: clientContext, server: false, expectedFingerprint: serverContext.fingerprint)
        var toServer = client.receive(nil)
        #expect(!toServer.isEmpty, "the client sends its hello first")
        for _ in 0..<10 where server.state == .handshaking || client.state == .handshaking {
            let toClient = toServer.flatMap { server.receive($0) }
            #expect(toClient.allSatisfy { $0.count <= 1300 })
            toServer = toClient.flatMap { client.receive($0) }
        }
        #expect(server.state == .established && client.state == .established)
        let rtp: [UInt8] = [0x80, 0x00, 0x00, 0x01, 0, 0, 0, 160, 0x12, 0x34, 0x56, 0x78] + [UInt8](repeating: 0xFF, count: 160)
        let sealed = try #require(server.protect(rtp))
        #expect(sealed.count == rtp.count + 10 && sealed != rtp)
        #expect(client.unprotect(sealed) == rtp)
        var tampered = sealed
        tampered[20] ^= 1
        #expect(client.unprotect(tampered) == nil, "a changed packet does not authenticate")
        let back = try #require(client.protect(rtp))
        #expect(server.unprotect(back) == rtp)
    }

    /// A certificate other than the one the SDP announced fails the association.
    @Test func wrongFingerprintFails() throws {
        let serverContext = try DTLSContext()
        let clientContext = try DTLSContext(client: true)
        let server = try DTLSAssociation(context: serverContext, server: true, expectedFingerprint: try DTLSContext().fingerprint)
        let client = try DTLSAssociation(context: clientContext, server: false, expectedFingerprint: serverContext.fingerprint)
        var toServer = client.receive(nil)
        for _ in 0..<10 where server.state == .handshaking {
            toServer = toServer.flatMap { server.receive($0) }.flatMap { client.receive($0) }
        }
        #expect(server.state == .failed("the peer's certificate is not the one its SDP announced"))
        #expect(server.protect([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]) == nil)
    }

    /// A Binding request with our ufrag and a good MESSAGE-INTEGRITY is answered with the
    /// sender's address, our integrity and a fingerprint; a wrong password or ufrag is not.
    @Test func stunChecks() throws {
        func request(username: String, password: String, nominate: Bool) -> [UInt8] {
            var message: [UInt8] = [0x00, 0x01, 0, 0] + STUN.cookie + Array(1...12)
            let name = Array(username.utf8)
            message += [0x00, 0x06, 0x00, UInt8(name.count)] + name + [UInt8](repeating: 0, count: (4 - name.count % 4) % 4)
            if nominate { message += [0x00, 0x25, 0x00, 0x00] }
            let length = message.count - 20 + 24
            message[2] = UInt8(length >> 8)
            message[3] = UInt8(length & 0xFF)
            return message + [0x00, 0x08, 0x00, 0x14] + STUN.hmac(message, password)
        }
        let good = request(username: "abcd:remote", password: "secret-password-123456", nominate: true)
        let check = try #require(STUN.answer(good, ufrag: "abcd", password: "secret-password-123456", ip: [127, 0, 0, 1], port: 50000))
        #expect(check.nominated)
        let response = check.response
        #expect(Array(response[0..<2]) == [0x01, 0x01] && Array(response[8..<20]) == Array(1...12))
        // XOR-MAPPED-ADDRESS: 127.0.0.1:50000 under the cookie.
        let xorPort: Int = 50000 ^ 0x2112
        let mapped: [UInt8] = [0x00, 0x01, UInt8(xorPort >> 8), UInt8(xorPort & 0xFF), 0x5E, 0x12, 0xA4, 0x43]
        #expect(Array(response[24..<32]) == mapped)
        let fingerprint = response.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        #expect(fingerprint == CRC32.checksum(Array(response.dropLast(8))) ^ 0x5354_554E)
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926, "CRC-32's check value")
        #expect(STUN.answer(good, ufrag: "abcd", password: "another-password", ip: [127, 0, 0, 1], port: 1) == nil)
        #expect(STUN.answer(good, ufrag: "zzzz", password: "secret-password-123456", ip: [127, 0, 0, 1], port: 1) == nil)
        #expect(STUN.answer(Array(good.prefix(30)), ufrag: "abcd", password: "secret-password-123456", ip: [127, 0, 0, 1], port: 1) == nil)
    }

    /// What the gateway reads from Chromium's offer, and the answer it writes.
    @Test func browserDescriptions() throws {
        let offer = """
            v=0\r
            o=- 4611731400430051336 2 IN IP4 127.0.0.1\r
            s=-\r
            t=0 0\r
            a=group:BUNDLE 0\r
            m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r
            c=IN IP4 0.0.0.0\r
            a=ice-ufrag:Fw3k\r
            a=ice-pwd:2Kq0VrUzlO7tTqJKYhm8gWmR\r
            a=ice-options:trickle\r
            a=fingerprint:sha-256 9b:3c:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD\r
            a=setup:actpass\r
            a=mid:0\r
            a=sendrecv\r
            a=rtcp-mux\r
            a=rtpmap:111 opus/48000/2\r
            a=rtpmap:0 PCMU/8000\r
            a=rtpmap:8 PCMA/8000\r
            a=rtpmap:110 telephone-event/48000\r
            a=rtpmap:126 telephone-event/8000\r

            """
        let description = try #require(BrowserDescription(offer))
        #expect(description.ufrag == "Fw3k" && description.setup == "actpass" && description.mid == "0")
        #expect(description.fingerprint.hasPrefix("9B:3C:"))
        #expect(description.g711 == 0 && description.telephoneEvent == 126)
        #expect(BrowserDescription("v=0\r\nm=audio 9 RTP/AVP 0\r\n") == nil, "no ICE, no DTLS: not a browser's")
        let endpoint = GatewayEndpoint(address: "127.0.0.1", port: 40000, ufrag: "ours", password: "our-password-0123456789",
                                       fingerprint: "AA:BB")
        let answer = endpoint.description(setup: "passive", mid: "0", payloadType: 0, telephoneEvent: 126, sessionID: 7)
        for line in ["a=ice-lite", "m=audio 40000 UDP/TLS/RTP/SAVPF 0 126", "a=setup:passive", "a=rtcp-mux", "a=mid:0",
                     "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host", "a=fingerprint:sha-256 AA:BB"] {
            #expect(answer.contains(line + "\r\n"), "\(line)")
        }
        #expect(BrowserDescription(answer)?.ufrag == "ours")
    }
}
