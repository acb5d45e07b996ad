import Foundation
import Testing

@testable import TelefoniaSIP

@Suite struct SessionDescriptionTests {
    static let baresipOffer = """
        v=0\r
        o=- 1690210938 1690210939 IN IP4 192.168.1.50\r
        s=-\r
        c=IN IP4 192.168.1.50\r
        t=0 0\r
        m=audio 10306 RTP/AVP 96 9 0 8 101\r
        b=AS:106\r
        a=rtpmap:96 opus/48000/2\r
        a=fmtp:96 stereo=1;sprop-stereo=1\r
        a=rtpmap:9 G722/8000\r
        a=rtpmap:0 PCMU/8000\r
        a=rtpmap:8 PCMA/8000\r
        a=rtpmap:101 telephone-event/8000\r
        a=fmtp:101 0-15\r
        a=sendrecv\r
        a=label:1\r
        a=ssrc:1283906524 cname:0c1b8e2ac7d2e14f\r
        a=rtcp-rsize\r
        a=ptime:20\r

        """

    static let linphoneOffer = """
        v=0\r
        o=alice 3029 1745 IN IP4 10.0.0.23\r
        s=Talk\r
        c=IN IP4 10.0.0.23\r
        t=0 0\r
        a=ice-pwd:43a1d5b5f1ab2c6e7c5f2b1c\r
        a=ice-ufrag:7c2e4b1a\r
        a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r
        a=record:off\r
        m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100\r
        a=rtpmap:96 opus/48000/2\r
        a=fmtp:96 useinbandfec=1\r
        a=rtpmap:97 speex/16000\r
        a=fmtp:97 vbr=on\r
        a=rtpmap:98 speex/8000\r
        a=fmtp:98 vbr=on\r
        a=fmtp:18 annexb=yes\r
        a=rtpmap:101 telephone-event/48000\r
        a=rtpmap:99 telephone-event/16000\r
        a=rtpmap:100 telephone-event/8000\r
        a=rtcp:7079\r
        a=candidate:1 1 UDP 2130706431 10.0.0.23 7078 typ host\r
        a=candidate:1 2 UDP 2130706430 10.0.0.23 7079 typ host\r
        a=candidate:2 1 UDP 1694498815 203.0.113.5 7078 typ srflx raddr 10.0.0.23 rport 7078\r
        a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r
        a=rtcp-fb:* trr-int 1000\r
        a=rtcp-fb:* ccm tmmbr\r
        m=video 9078 RTP/AVP 96 97\r
        c=IN IP4 10.0.0.23\r
        a=rtpmap:96 VP8/90000\r
        a=rtpmap:97 H264/90000\r
        a=fmtp:97 profile-level-id=42801F\r
        a=rtcp-fb:* ccm fir\r

        """

    /// A baresip offer yields its address, port, payloads, rtpmaps and direction.
    @Test func parsesBaresipOffer() throws {
        let sdp = try #require(SessionDescription(Self.baresipOffer))
        #expect(sdp.connectionAddress == "192.168.1.50")
        #expect(sdp.audioPort == 10306)
        #expect(sdp.payloadTypes == [96, 9, 0, 8, 101])
        #expect(sdp.rtpmaps[101] == "telephone-event/8000")
        #expect(sdp.rtpmaps[96] == "opus/48000/2")
        #expect(sdp.direction == "sendrecv")
    }

    /// Anchoring a baresip offer gives exactly the G.711 + DTMF offer at the relay, in CRLF lines.
    @Test func anchorsBaresipOfferToRelayAddress() throws {
        let sdp = try #require(SessionDescription(Self.baresipOffer))
        let anchored = try #require(sdp.anchored(address: "203.0.113.10", port: 30000))
        #expect(
            anchored == """
                v=0\r
                o=- 1690210938 1690210939 IN IP4 203.0.113.10\r
                s=-\r
                c=IN IP4 203.0.113.10\r
                t=0 0\r
                m=audio 30000 RTP/AVP 0 8 101\r
                b=AS:106\r
                a=rtpmap:0 PCMU/8000\r
                a=rtpmap:8 PCMA/8000\r
                a=rtpmap:101 telephone-event/8000\r
                a=fmtp:101 0-15\r
                a=sendrecv\r
                a=label:1\r
                a=ssrc:1283906524 cname:0c1b8e2ac7d2e14f\r
                a=ptime:20\r

                """
        )
    }

    /// A Linphone offer with many codecs, ICE, SRTP and video keeps only G.711, 8 kHz DTMF and a rejected video stream.
    @Test func anchorsLinphoneOfferKeepingOnlyG711AndRejectingVideo() throws {
        let sdp = try #require(SessionDescription(Self.linphoneOffer))
        #expect(sdp.payloadTypes == [96, 97, 98, 0, 8, 18, 101, 99, 100])
        #expect(sdp.rtpmaps[100] == "telephone-event/8000")
        #expect(sdp.direction == nil)

        let anchored = try #require(sdp.anchored(address: "198.51.100.7", port: 20002, sessionID: 42))
        let lines = anchored.components(separatedBy: "\r\n")
        #expect(lines.contains("o=- 42 1745 IN IP4 198.51.100.7"))
        #expect(lines.contains("m=audio 20002 RTP/AVP 0 8 100"))
        #expect(lines.contains("a=rtpmap:100 telephone-event/8000"))
        #expect(lines.contains("m=video 0 RTP/AVP 96 97"))
        #expect(lines.contains("a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics"))
        for dropped in ["a=ice-", "a=candidate", "a=rtcp:", "a=crypto", "a=rtcp-fb", "opus", "speex", "a=fmtp:18", "/48000", "/16000", "VP8", "10.0.0.23"] {
            #expect(!anchored.contains(dropped), "\(dropped) should be gone")
        }
        #expect(lines.filter { $0.hasPrefix("c=") } == ["c=IN IP4 198.51.100.7", "c=IN IP4 198.51.100.7"])

        let reparsed = try #require(SessionDescription(anchored))
        #expect(reparsed.connectionAddress == "198.51.100.7")
        #expect(reparsed.audioPort == 20002)
        #expect(reparsed.payloadTypes == [0, 8, 100])
    }

    /// Every line of an anchored body ends in CRLF, even when the offer used bare LF.
    @Test func anchoredBodyUsesCRLFLineEndings() throws {
        let lfOnly = Self.baresipOffer.replacingOccurrences(of: "\r\n", with: "\n")
        let sdp = try #require(SessionDescription(lfOnly))
        let anchored = try #require(sdp.anchored(address: "203.0.113.10", port: 30000))
        #expect(anchored.hasSuffix("\r\n"))
        #expect(!anchored.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!anchored.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
    }

    /// A sendonly hold keeps its direction through anchoring.
    @Test func keepsSendonlyHoldDirection() throws {
        let hold = """
            v=0
            o=- 1 2 IN IP4 192.168.1.50
            s=-
            c=IN IP4 192.168.1.50
            t=0 0
            m=audio 10306 RTP/AVP 0 101
            a=rtpmap:101 telephone-event/8000
            a=sendonly
            """
        let sdp = try #require(SessionDescription(hold))
        #expect(sdp.direction == "sendonly")
        let anchored = try #require(sdp.anchored(address: "203.0.113.10", port: 30000))
        #expect(anchored.contains("\r\na=sendonly\r\n"))
        #expect(SessionDescription(anchored)?.direction == "sendonly")
    }

    /// A session-level direction applies when the stream has none.
    @Test func usesSessionLevelDirectionWhenStreamHasNone() throws {
        let sdp = try #require(
            SessionDescription("v=0\no=- 1 1 IN IP4 10.1.1.1\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\na=inactive\nm=audio 4000 RTP/AVP 8\n")
        )
        #expect(sdp.direction == "inactive")
    }

    /// Old-style hold with c=0.0.0.0 stays 0.0.0.0 while o= names the relay.
    @Test func preservesZeroAddressHold() throws {
        let hold = """
            v=0\r
            o=- 1 3 IN IP4 192.168.1.50\r
            s=-\r
            c=IN IP4 0.0.0.0\r
            t=0 0\r
            m=audio 10306 RTP/AVP 8 0\r

            """
        let sdp = try #require(SessionDescription(hold))
        #expect(sdp.connectionAddress == "0.0.0.0")
        let anchored = try #require(sdp.anchored(address: "203.0.113.10", port: 30000))
        #expect(anchored.contains("\r\nc=IN IP4 0.0.0.0\r\n"))
        #expect(anchored.contains("o=- 1 3 IN IP4 203.0.113.10\r\n"))
        #expect(anchored.contains("m=audio 30000 RTP/AVP 8 0\r\n"))
        #expect(!anchored.contains("c=IN IP4 203.0.113.10"))
    }

    /// A media-level c= wins over the session-level one.
    @Test func mediaConnectionOverridesSessionConnection() throws {
        let sdp = try #require(
            SessionDescription("v=0\r\no=- 1 1 IN IP4 10.1.1.1\r\ns=-\r\nc=IN IP4 10.1.1.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP4 10.2.2.2\r\n")
        )
        #expect(sdp.connectionAddress == "10.2.2.2")
    }

    /// An offer with no c= at all gets one pointing at the relay.
    @Test func addsConnectionWhenOfferHasNone() throws {
        let sdp = try #require(SessionDescription("v=0\no=- 1 1 IN IP4 10.1.1.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\na=ptime:20\n"))
        #expect(sdp.connectionAddress == nil)
        let anchored = try #require(sdp.anchored(address: "203.0.113.10", port: 30000))
        #expect(anchored.contains("m=audio 30000 RTP/AVP 0\r\nc=IN IP4 203.0.113.10\r\na=ptime:20\r\n"))
        #expect(SessionDescription(anchored)?.connectionAddress == "203.0.113.10")
    }

    /// Without PCMU or PCMA there is nothing to anchor, so the caller answers 488.
    @Test func refusesToAnchorWithoutG711() throws {
        let opusOnly = try #require(
            SessionDescription("v=0\no=- 1 1 IN IP4 10.1.1.1\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\nm=audio 4000 RTP/AVP 96 101\na=rtpmap:96 opus/48000/2\na=rtpmap:101 telephone-event/8000\n")
        )
        #expect(opusOnly.anchored(address: "203.0.113.10", port: 30000) == nil)
    }

    /// An offer with video but no audio is not an audio session description.
    @Test func rejectsOfferWithoutAudio() {
        #expect(SessionDescription("v=0\no=- 1 1 IN IP4 10.1.1.1\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\nm=video 5000 RTP/AVP 96\na=rtpmap:96 VP8/90000\n") == nil)
        #expect(SessionDescription("v=0\no=- 1 1 IN IP4 10.1.1.1\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\n") == nil)
    }

    /// Text that is not SDP, or SDP with broken lines, parses to nil.
    @Test func rejectsGarbage() {
        let garbage = [
            "",
            "\r\n\r\n",
            "hello world",
            "<html><body>v=0</body></html>",
            "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1\r\n\r\nv=0\r\n",
            "m=audio 4000 RTP/AVP 0\r\n",
            "v=1\r\nm=audio 4000 RTP/AVP 0\r\n",
            "v=0\r\nm=audio\r\n",
            "v=0\r\nm=audio 99999999999999999999999999 RTP/AVP 0\r\n",
            "v=0\r\nm=audio 70000 RTP/AVP 0\r\n",
            "v=0\r\nm=audio -5 RTP/AVP 0\r\n",
            "v=0\r\nm=audio 4000 RTP/AVP 0\r\nthis is not a line\r\n",
            "v=0\r\nc=IN\r\nm=audio 4000 RTP/AVP 0\r\n",
            "v=0\r\n=\r\nm=audio 4000 RTP/AVP 0\r\n",
            "v=0\r\nä=x\r\nm=audio 4000 RTP/AVP 0\r\n",
            String(decoding: [0x76, 0x3D, 0x30, 0x0D, 0x0A, 0xFF, 0xFE, 0x00, 0x01], as: UTF8.self),
        ]
        for text in garbage {
            #expect(SessionDescription(text) == nil, "\(text.debugDescription)")
        }
    }

    /// Payload types that are not numbers 0-127, repeated ones and rtpmaps that make no sense are ignored.
    @Test func ignoresInvalidPayloadTypes() throws {
        let sdp = try #require(
            SessionDescription("v=0\nc=IN IP4 10.1.1.1\nm=audio 4000 RTP/AVP 0 +8 128 abc 00008 8 0\na=rtpmap:999 x/1\na=rtpmap:abc y/2\na=rtpmap:8\na=rtpmap:0 PCMU/8000\n")
        )
        #expect(sdp.payloadTypes == [0, 8, 0])
        #expect(sdp.rtpmaps == [0: "PCMU/8000"])
        let anchored = try #require(sdp.anchored(address: "203.0.113.10", port: 30000))
        #expect(anchored.contains("m=audio 30000 RTP/AVP 0 8\r\n"))
        #expect(anchored.contains("o=- 0 0 IN IP4 203.0.113.10\r\ns=-\r\nc=IN IP4 203.0.113.10\r\nt=0 0\r\n"))
    }

    /// Megabytes of input are refused at once, and the largest accepted body still parses.
    @Test func handlesHugeInput() throws {
        let attribute = "a=x-filler:" + String(repeating: "z", count: 100) + "\r\n"
        let huge = Self.baresipOffer + String(repeating: attribute, count: 100_000)
        #expect(SessionDescription(huge) == nil)
        #expect(SessionDescription(String(repeating: "v=0\r\n", count: 2_000_000)) == nil)

        let head = Self.baresipOffer
        let fitting = head + String(repeating: attribute, count: (SessionDescription.maximumLength - head.utf8.count) / attribute.utf8.count)
        let sdp = try #require(SessionDescription(fitting))
        #expect(sdp.payloadTypes == [96, 9, 0, 8, 101])
        #expect(sdp.anchored(address: "203.0.113.10", port: 30000) != nil)

        let manyStreams = "v=0\r\nc=IN IP4 10.1.1.1\r\n" + String(repeating: "m=video 5000 RTP/AVP 96\r\n", count: 2_000) + "m=audio 4000 RTP/AVP 0\r\n"
        let streams = try #require(SessionDescription(manyStreams))
        #expect(streams.audioPort == 4000)
    }

    /// A disabled audio stream (port 0) stays disabled when anchored.
    @Test func keepsDisabledAudioStreamDisabled() throws {
        let sdp = try #require(SessionDescription("v=0\nc=IN IP4 10.1.1.1\nm=audio 0 RTP/AVP 0\n"))
        #expect(sdp.audioPort == 0)
        #expect(sdp.anchored(address: "203.0.113.10", port: 30000)?.contains("m=audio 0 RTP/AVP 0\r\n") == true)
    }

    /// An offer with telephone-event at 48, 16 and 8 kHz (Linphone 5.1) is answered with the 8 kHz payload number.
    @Test func answersTheOffered8kHzTelephoneEvent() throws {
        let offer = try #require(SessionDescription("""
            v=0\r
            o=linphone 1 1 IN IP4 127.0.0.1\r
            s=Talk\r
            c=IN IP4 127.0.0.1\r
            t=0 0\r
            m=audio 7078 RTP/AVP 0 8 99 100 101\r
            a=rtpmap:99 telephone-event/48000\r
            a=rtpmap:100 telephone-event/16000\r
            a=rtpmap:101 telephone-event/8000\r

            """))
        #expect(offer.telephoneEvent8kPayloadType == 101)
        let answer = SessionDescription.terminatedAnswer(
            address: "127.0.0.1", port: 10_000, payloadType: 0, telephoneEvent: offer.telephoneEvent8kPayloadType, sessionID: 1)
        #expect(answer.contains("m=audio 10000 RTP/AVP 0 101\r\n"))
        #expect(answer.contains("a=rtpmap:101 telephone-event/8000\r\n"))
        #expect(!answer.contains("a=rtpmap:99"))
    }

    /// An offer whose only telephone-event is at 48 kHz gets none in the answer (in-band digits then).
    @Test func offersNoTelephoneEventWithout8kHz() throws {
        let offer = try #require(SessionDescription("""
            v=0\r
            o=x 1 1 IN IP4 127.0.0.1\r
            s=-\r
            c=IN IP4 127.0.0.1\r
            t=0 0\r
            m=audio 7078 RTP/AVP 0 99\r
            a=rtpmap:99 telephone-event/48000\r

            """))
        #expect(offer.telephoneEvent8kPayloadType == nil)
    }
}
