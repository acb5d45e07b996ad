/// A SIP request or response, with the headers a B2BUA reads as typed values and
/// every other header kept as text in order.
public struct SIPMessage: Sendable {
    public enum StartLine: Sendable, Equatable {
        case request(method: String, uri: SIPURI)
        case response(status: Int, reason: String)
    }

    public var startLine: StartLine
    public var vias: [Via]
    public var from: NameAddress
    public var to: NameAddress
    public var callID: String
    public var cseq: Int
    public var cseqMethod: String
    public var contacts: [NameAddress]
    /// `Contact: *` (unregister all).
    public var contactIsWildcard: Bool
    public var recordRoutes: [String]
    public var routes: [String]
    public var authorization: [String]
    public var proxyAuthorization: [String]
    public var wwwAuthenticate: [String]
    public var proxyAuthenticate: [String]
    public var contentType: String?
    /// Headers not listed above, in order (names as received).
    public var otherHeaders: [(name: String, value: String)]
    public var body: [UInt8]

    public init(
        startLine: StartLine, vias: [Via], from: NameAddress, to: NameAddress, callID: String, cseq: Int,
        cseqMethod: String, contacts: [NameAddress] = [], contactIsWildcard: Bool = false,
        recordRoutes: [String] = [], routes: [String] = [], authorization: [String] = [],
        proxyAuthorization: [String] = [], wwwAuthenticate: [String] = [], proxyAuthenticate: [String] = [],
        contentType: String? = nil, otherHeaders: [(name: String, value: String)] = [], body: [UInt8] = []
    ) {
        self.startLine = startLine
        self.vias = vias
        self.from = from
        self.to = to
        self.callID = callID
        self.cseq = cseq
        self.cseqMethod = cseqMethod
        self.contacts = contacts
        self.contactIsWildcard = contactIsWildcard
        self.recordRoutes = recordRoutes
        self.routes = routes
        self.authorization = authorization
        self.proxyAuthorization = proxyAuthorization
        self.wwwAuthenticate = wwwAuthenticate
        self.proxyAuthenticate = proxyAuthenticate
        self.contentType = contentType
        self.otherHeaders = otherHeaders
        self.body = body
    }

    public var isRequest: Bool {
        if case .request = startLine { return true }
        return false
    }

    /// The request method, or the CSeq method of a response.
    public var method: String {
        if case .request(let m, _) = startLine { return m }
        return cseqMethod
    }

    public var requestURI: SIPURI? {
        if case .request(_, let uri) = startLine { return uri }
        return nil
    }

    public var statusCode: Int {
        if case .response(let s, _) = startLine { return s }
        return 0
    }

    /// First value of a header not kept as a typed field (case-insensitive, compact forms too).
    public func header(_ name: String) -> String? {
        let wanted = Self.canonicalName(name)
        return otherHeaders.first { Self.canonicalName($0.name) == wanted }?.value
    }

    public mutating func setHeader(_ name: String, _ value: String?) {
        let wanted = Self.canonicalName(name)
        otherHeaders.removeAll { Self.canonicalName($0.name) == wanted }
        if let value { otherHeaders.append((name, value)) }
    }

    public var expires: Int? { header("Expires").flatMap { Int($0.filter { $0 != " " }) } }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    static func canonicalName(_ name: String) -> String {
        let lower = name.lowercased()
        switch lower {
        case "m": return "contact"
        case "f": return "from"
        case "t": return "to"
        case "i": return "call-id"
        case "v": return "via"
        case "l": return "content-length"
        case "c": return "content-type"
        case "k": return "supported"
        case "s": return "subject"
        case "e": return "content-encoding"
        default: return lower
        }
    }

    /// Wire form: CRLF line endings, Content-Length always present and right.
    public func serialized() -> [UInt8] {
        var s: String
        switch startLine {
        case .request(let method, let uri): s = "\(method) \(uri) SIP/2.0\r\n"
        case .response(let status, let reason): s = "SIP/2.0 \(status) \(reason)\r\n"
        }
        s.reserveCapacity(512 + body.count)
        for via in vias { s += "Via: \(via)\r\n" }
        for r in recordRoutes { s += "Record-Route: \(r)\r\n" }
        for r in routes { s += "Route: \(r)\r\n" }
        s += "From: \(from)\r\n"
        s += "To: \(to)\r\n"
        s += "Call-ID: \(callID)\r\n"
        s += "CSeq: \(cseq) \(cseqMethod)\r\n"
        if contactIsWildcard { s += "Contact: *\r\n" }
        for c in contacts { s += "Contact: \(c)\r\n" }
        for a in authorization { s += "Authorization: \(a)\r\n" }
        for a in proxyAuthorization { s += "Proxy-Authorization: \(a)\r\n" }
        for a in wwwAuthenticate { s += "WWW-Authenticate: \(a)\r\n" }
        for a in proxyAuthenticate { s += "Proxy-Authenticate: \(a)\r\n" }
        for h in otherHeaders where Self.canonicalName(h.name) != "content-length" {
            s += "\(h.name): \(h.value)\r\n"
        }
        if let contentType { s += "Content-Type: \(contentType)\r\n" }
        s += "Content-Length: \(body.count)\r\n\r\n"
        var bytes = Array(s.utf8)
        bytes.append(contentsOf: body)
        return bytes
    }
}
