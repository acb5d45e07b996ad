extension SessionDescription {
    /// The SDP of a stream the server terminates itself: one audio line with the
    /// chosen G.711 law and, when the offer had it, telephone-event (RFC 4733).
    static func terminatedAnswer(address: String, port: Int, payloadType: Int, telephoneEvent: Int?, sessionID: UInt64) -> String {
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
