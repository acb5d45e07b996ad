extension SessionDescription {
    /// The payload type of the offer's telephone-event at 8 kHz, the rate of G.711 and
    /// of our answer. An offer may list one per rate (Linphone: 99 at 48 kHz, 100 at
    /// 16 kHz, 101 at 8 kHz); the answer must keep the offered number with its offered
    /// rate (RFC 3264 §6.1), so only the 8 kHz one can be answered.
    public var telephoneEvent8kPayloadType: Int? {
        func is8k(_ payloadType: Int) -> Bool {
            rtpmaps[payloadType].map { String($0.lowercased().filter { $0 != " " }) == "telephone-event/8000" } ?? false
        }
        return payloadTypes.first(where: is8k) ?? rtpmaps.keys.sorted().first(where: is8k)
    }

    /// The SDP of a stream the server terminates itself: one audio line with the
    /// chosen G.711 law and, when the offer had it, telephone-event (RFC 4733).
    public static func terminatedAnswer(address: String, port: Int, payloadType: Int, telephoneEvent: Int?, sessionID: UInt64) -> String {
        var formats = "\(payloadType)"
        if let telephoneEvent { formats += " \(telephoneEvent)" }
        var lines = [
            "v=0",
            "o=- \(sessionID) \(sessionID) IN IP4 \(address)",
            "s=Telefonia",
            "c=IN IP4 \(address)",
            "t=0 0",
            "m=audio \(port) RTP/AVP \(formats)",
            "a=rtpmap:\(payloadType) \(payloadType == 0 ? "PCMU" : "PCMA")/8000",
        ]
        if let telephoneEvent {
            lines.append("a=rtpmap:\(telephoneEvent) telephone-event/8000")
            lines.append("a=fmtp:\(telephoneEvent) 0-15")
        }
        lines += ["a=ptime:20", "a=sendrecv"]
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
