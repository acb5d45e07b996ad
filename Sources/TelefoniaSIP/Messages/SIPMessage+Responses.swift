import Foundation

extension SIPMessage {
    /// Builds a response to this request (RFC 3261 §8.2.6.2): Via, From, To,
    /// Call-ID and CSeq copied; the To tag added when given and absent. A response
    /// that may create a dialog (101–299 to INVITE or SUBSCRIBE) also carries the
    /// request's Record-Route (§12.1.1), so the phone's ACK and BYE take the proxies
    /// that asked to stay in the path (a front Kamailio) instead of coming straight here.
    public func response(_ status: Int, _ reason: String? = nil, toTag: String? = nil) -> SIPMessage {
        var to = self.to
        if let toTag, to.tag == nil, status > 100 { to = to.withTag(toTag) }
        let createsDialog = (101...299).contains(status) && (cseqMethod == "INVITE" || cseqMethod == "SUBSCRIBE")
        return SIPMessage(
            startLine: .response(status: status, reason: reason ?? SIPMessage.reasonPhrase(status)),
            vias: vias, from: from, to: to, callID: callID, cseq: cseq, cseqMethod: cseqMethod,
            recordRoutes: createsDialog ? recordRoutes : [])
    }

    /// Standard reason phrases (RFC 3261 §21).
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: return "Trying"
        case 180: return "Ringing"
        case 183: return "Session Progress"
        case 200: return "OK"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 402: return "Payment Required"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 407: return "Proxy Authentication Required"
        case 408: return "Request Timeout"
        case 415: return "Unsupported Media Type"
        case 416: return "Unsupported URI Scheme"
        case 420: return "Bad Extension"
        case 423: return "Interval Too Brief"
        case 480: return "Temporarily Unavailable"
        case 481: return "Call/Transaction Does Not Exist"
        case 482: return "Loop Detected"
        case 483: return "Too Many Hops"
        case 484: return "Address Incomplete"
        case 486: return "Busy Here"
        case 487: return "Request Terminated"
        case 488: return "Not Acceptable Here"
        case 491: return "Request Pending"
        case 500: return "Server Internal Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 505: return "Version Not Supported"
        case 513: return "Message Too Large"
        case 600: return "Busy Everywhere"
        case 603: return "Decline"
        default: return "Status \(status)"
        }
    }
}

extension SIPParser {
    /// A 400 for a request that libosip2 could not parse, built from its raw
    /// Via/From/To/Call-ID/CSeq lines; nil when those are missing (then the
    /// message is dropped: no response can be routed, RFC 3261 §18.2.1).
    public static func badRequestResponse(for raw: [UInt8], reason: String, status: Int = 400) -> [UInt8]? {
        guard raw.count <= maxMessageSize else { return nil }
        let end = headerEnd(raw) ?? raw.count
        let text = String(decoding: raw[0..<end], as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        guard let first = lines.first, !first.hasPrefix("SIP/"), first.contains(" SIP/") else { return nil }
        lines.removeFirst()
        var kept: [String] = []
        var seen = Set<String>()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = SIPMessage.canonicalName(String(line[..<colon].trimmed()))
            guard ["via", "from", "to", "call-id", "cseq"].contains(name) else { continue }
            guard line.utf8.count <= maxLineLength else { return nil }
            seen.insert(name)
            kept.append(line.replacingOccurrences(of: "\0", with: " "))
        }
        guard seen.count == 5 else { return nil }
        let safeReason = String(reason.filter { $0 != "\r" && $0 != "\n" }.prefix(100))
        var out = "SIP/2.0 \(status) \(SIPMessage.reasonPhrase(status))\r\n"
        out += kept.joined(separator: "\r\n") + "\r\n"
        out += "Warning: 399 telefonia \"\(safeReason.replacingOccurrences(of: "\"", with: "'"))\"\r\n"
        out += "Content-Length: 0\r\n\r\n"
        return Array(out.utf8)
    }
}
