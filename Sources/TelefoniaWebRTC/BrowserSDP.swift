/// The web side of an SDP: what the gateway reads from a browser's offer or answer,
/// and the descriptions it writes for the browser (ICE-lite, DTLS-SRTP, G.711, one
/// audio stream, RTP and RTCP on one port).
public struct BrowserDescription: Sendable, Equatable {
    public var ufrag: String
    public var password: String
    /// "AB:CD:…" (SHA-256), upper case.
    public var fingerprint: String
    /// actpass, active or passive.
    public var setup: String
    public var mid: String
    /// Payload types of the audio stream, in order.
    public var payloadTypes: [Int]
    /// Payload type of each codec name, "PCMU/8000" → 0.
    public var codecs: [String: Int]

    /// Nil when it is not a DTLS-SRTP audio description with ICE credentials.
    public init?(_ sdp: String) {
        var ufrag: String?, password: String?, fingerprint: String?, setup: String?, mid: String?
        var payloadTypes: [Int] = []
        var codecs: [String: Int] = [:]
        var inAudio = false, sawAudio = false
        for raw in sdp.split(whereSeparator: \.isNewline) {
            let line = String(raw)
            if line.hasPrefix("m=") {
                if sawAudio { inAudio = false; continue }
                inAudio = line.hasPrefix("m=audio ")
                sawAudio = inAudio
                if inAudio { payloadTypes = line.split(separator: " ").dropFirst(3).compactMap { Int($0) } }
                continue
            }
            // Session-level attributes count, and the first audio section's.
            guard inAudio || !sawAudio, line.hasPrefix("a=") else { continue }
            let attribute = line.dropFirst(2)
            let (name, value) = attribute.firstIndex(of: ":").map { (String(attribute[..<$0]), String(attribute[attribute.index(after: $0)...])) }
                ?? (String(attribute), "")
            switch name {
            case "ice-ufrag": ufrag = value
            case "ice-pwd": password = value
            case "fingerprint":
                let parts = value.split(separator: " ")
                if parts.count == 2, parts[0].lowercased() == "sha-256" { fingerprint = parts[1].uppercased() }
            case "setup": setup = value
            case "mid": mid = value
            case "rtpmap":
                let parts = value.split(separator: " ", maxSplits: 1)
                if parts.count == 2, let pt = Int(parts[0]) {
                    let name = parts[1].split(separator: "/").prefix(2).joined(separator: "/")
                    if codecs[name.uppercased()] == nil { codecs[name.uppercased()] = pt }
                }
            default: break
            }
        }
        guard sawAudio, let ufrag, let password, let fingerprint, let setup else { return nil }
        self.ufrag = ufrag
        self.password = password
        self.fingerprint = fingerprint
        self.setup = setup
        self.mid = mid ?? "0"
        self.payloadTypes = payloadTypes
        self.codecs = codecs
    }

    /// G.711 in the browser's order of preference: PCMU (0) or PCMA (8), if offered.
    public var g711: Int? {
        payloadTypes.first { $0 == 0 || $0 == 8 }
    }

    /// The browser's telephone-event payload type at 8 kHz, if any.
    public var telephoneEvent: Int? { codecs["TELEPHONE-EVENT/8000"] }
}

/// Our side of the WebRTC media: the address and port the browser sends to, our ICE
/// credentials and certificate.
public struct GatewayEndpoint: Sendable, Equatable {
    public var address: String
    public var port: Int
    public var ufrag: String
    public var password: String
    public var fingerprint: String

    /// A description for the browser: an answer (`setup` passive) or an offer (actpass),
    /// G.711 `payloadType` and telephone-event `telephoneEvent` when set.
    public func description(setup: String, mid: String, payloadType: Int, telephoneEvent: Int?, sessionID: UInt64) -> String {
        let codec = payloadType == 8 ? "PCMA/8000" : "PCMU/8000"
        let types = [payloadType] + (telephoneEvent.map { [$0] } ?? [])
        var lines = [
            "v=0", "o=telefonia \(sessionID) 1 IN IP4 \(address)", "s=-", "t=0 0", "a=ice-lite", "a=group:BUNDLE \(mid)",
            "a=msid-semantic: WMS telefonia",
            "m=audio \(port) UDP/TLS/RTP/SAVPF \(types.map(String.init).joined(separator: " "))",
            "c=IN IP4 \(address)", "a=rtcp:\(port) IN IP4 \(address)",
            "a=ice-ufrag:\(ufrag)", "a=ice-pwd:\(password)", "a=fingerprint:sha-256 \(fingerprint)", "a=setup:\(setup)",
            "a=mid:\(mid)", "a=sendrecv", "a=msid:telefonia audio", "a=rtcp-mux", "a=rtpmap:\(payloadType) \(codec)",
        ]
        if let telephoneEvent { lines += ["a=rtpmap:\(telephoneEvent) telephone-event/8000", "a=fmtp:\(telephoneEvent) 0-15"] }
        lines += ["a=ptime:20", "a=candidate:1 1 udp 2130706431 \(address) \(port) typ host", "a=end-of-candidates"]
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
