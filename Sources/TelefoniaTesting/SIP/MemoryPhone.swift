import NIOCore
import TelefoniaCore
import TelefoniaSIP

/// A scripted SIP phone on a `SIPTestBed`: it builds the requests and responses a
/// phone sends (REGISTER and INVITE answering digest challenges, ACK, BYE, CANCEL,
/// provisional and final answers) and reads what the server sent to its address.
/// Nothing is automatic: a test says every step, as in a SIPp scenario.
public final class MemoryPhone {
    public let user: String
    /// The password the phone answers challenges with (a test may set a wrong one).
    public var password: String
    public let domain: String
    public let peer: SIPPeer
    private unowned let bed: SIPTestBed
    private var cseq = 1
    private var counter = 0

    init(user: String, password: String, domain: String, host: String = "127.0.0.1", port: Int, kind: SIPPeer.Kind, bed: SIPTestBed) {
        self.user = user
        self.password = password
        self.domain = domain
        self.peer = SIPPeer(kind: kind, address: try! SocketAddress(ipAddress: host, port: port))
        self.bed = bed
    }

    /// Our contact URI (where the server sends requests for us).
    public var contact: SIPURI { SIPURI(user: user, host: peer.host, port: peer.port) }

    private func unique(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)\(user)x\(counter)"
    }

    private func via() -> Via {
        Via(transport: peer.kind.rawValue.uppercased(), host: peer.host, port: peer.port, parameters: [("branch", unique("z9hG4bK")), ("rport", nil)])
    }

    // MARK: - Sending

    /// Sends a message to the server from this phone's address.
    public func send(_ message: SIPMessage) {
        bed.transport.deliverInbound(message, from: peer)
    }

    /// A new request outside any dialog.
    public func request(_ method: String, to uri: SIPURI, callID: String? = nil, toTag: String? = nil,
                        body: String? = nil) -> SIPMessage {
        defer { cseq += 1 }
        var to = NameAddress(uri: uri)
        if let toTag { to = to.withTag(toTag) }
        var message = SIPMessage(
            startLine: .request(method: method, uri: uri), vias: [via()],
            from: NameAddress(uri: SIPURI(user: user, host: domain)).withTag(unique("tag")), to: to,
            callID: callID ?? unique("call-"), cseq: cseq, cseqMethod: method, contacts: [NameAddress(uri: contact)],
            otherHeaders: [("Max-Forwards", "70")])
        if let body {
            message.contentType = "application/sdp"
            message.body = Array(body.utf8)
        }
        return message
    }

    /// The same request again with credentials answering `challenge` (a 401 or 407), a
    /// new branch and CSeq; `nonceCount` above 1 reuses the challenge's nonce as a client
    /// does for later requests.
    public func authorized(_ request: SIPMessage, answering challenge: SIPMessage, nonceCount: Int = 1) -> SIPMessage {
        var retry = request
        let proxy = challenge.statusCode == 407
        let header = (proxy ? challenge.proxyAuthenticate : challenge.wwwAuthenticate).first ?? ""
        guard let parsed = DigestChallenge(header: header) else { return request }
        let uri = request.requestURI?.description ?? ""
        let credentials = DigestCredentials(
            answering: parsed, username: user, password: password, method: request.method, uri: uri, cnonce: unique("cn"),
            nonceCount: nonceCount)
        if proxy { retry.proxyAuthorization = [credentials.headerValue] } else { retry.authorization = [credentials.headerValue] }
        retry.vias = [via()]
        retry.cseq = cseq
        cseq += 1
        return retry
    }

    /// A REGISTER of our line with `Expires` and our contact, or the given contacts
    /// (`["*"]` for the wildcard); no credentials yet.
    public func registerRequest(expires: Int = 3600, contacts: [SIPURI]? = nil, wildcard: Bool = false) -> SIPMessage {
        var register = request("REGISTER", to: SIPURI(user: nil, host: domain))
        register.to = NameAddress(uri: SIPURI(user: user, host: domain))
        register.from = NameAddress(uri: SIPURI(user: user, host: domain)).withTag(unique("tag"))
        register.setHeader("Expires", String(expires))
        if wildcard {
            register.contacts = []
            register.contactIsWildcard = true
        } else if let contacts {
            register.contacts = contacts.map { NameAddress(uri: $0) }
        }
        return register
    }

    /// Sends a REGISTER without credentials and returns it with the server's first
    /// answer (the 401 challenge, normally).
    public func challengedRegister(expires: Int = 3600) -> (register: SIPMessage, answer: SIPMessage?) {
        let register = registerRequest(expires: expires)
        send(register)
        return (register, response(to: register))
    }

    /// Registers (answering the challenge) and returns the final response; nil when
    /// the first answer was not a 401 challenge.
    @discardableResult
    public func register(expires: Int = 3600, contacts: [SIPURI]? = nil, wildcard: Bool = false) -> SIPMessage? {
        let register = registerRequest(expires: expires, contacts: contacts, wildcard: wildcard)
        send(register)
        guard let challenge = response(to: register), challenge.statusCode == 401 else { return nil }
        let retry = authorized(register, answering: challenge)
        send(retry)
        return response(to: retry)
    }

    /// An SDP offer or answer for a G.711 stream at our address.
    public func sdp(port: Int = 7000) -> String {
        "v=0\r\no=- 1 1 IN IP4 \(peer.host)\r\ns=-\r\nc=IN IP4 \(peer.host)\r\nt=0 0\r\n"
            + "m=audio \(port) RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
            + "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
    }

    /// Calls `number` on the tenant: INVITE, the 407 ACKed, the INVITE again with
    /// credentials. Returns the INVITE that carries them (responses match it).
    public func call(_ number: String) -> SIPMessage {
        let invite = request("INVITE", to: SIPURI(user: number, host: domain), body: sdp())
        send(invite)
        guard let challenge = response(to: invite), challenge.statusCode == 407 else { return invite }
        send(ack(invite, failure: challenge))
        let retry = authorized(invite, answering: challenge)
        send(retry)
        return retry
    }

    /// ACK for a non-2xx final response: the INVITE's branch and CSeq (RFC 3261 §17.1.1.3).
    public func ack(_ invite: SIPMessage, failure response: SIPMessage) -> SIPMessage {
        SIPMessage(startLine: .request(method: "ACK", uri: invite.requestURI!), vias: invite.vias, from: invite.from,
                   to: response.to, callID: invite.callID, cseq: invite.cseq, cseqMethod: "ACK", otherHeaders: [("Max-Forwards", "70")])
    }

    /// ACK for a 2xx: a new transaction inside the dialog (§13.2.2.4).
    public func ack(_ invite: SIPMessage, ok response: SIPMessage) -> SIPMessage {
        SIPMessage(startLine: .request(method: "ACK", uri: response.contacts.first?.uri ?? invite.requestURI!), vias: [via()],
                   from: invite.from, to: response.to, callID: invite.callID, cseq: invite.cseq, cseqMethod: "ACK",
                   otherHeaders: [("Max-Forwards", "70")])
    }

    /// CANCEL of an INVITE still ringing: its Request-URI, Via, From, To, Call-ID and CSeq number (§9.1).
    public func cancel(_ invite: SIPMessage) -> SIPMessage {
        SIPMessage(startLine: .request(method: "CANCEL", uri: invite.requestURI!), vias: invite.vias, from: invite.from,
                   to: invite.to, callID: invite.callID, cseq: invite.cseq, cseqMethod: "CANCEL", otherHeaders: [("Max-Forwards", "70")])
    }

    /// BYE in the dialog an INVITE of ours and its 2xx made.
    public func bye(_ invite: SIPMessage, ok response: SIPMessage) -> SIPMessage {
        defer { cseq += 1 }
        return SIPMessage(startLine: .request(method: "BYE", uri: response.contacts.first?.uri ?? invite.requestURI!), vias: [via()],
                          from: invite.from, to: response.to, callID: invite.callID, cseq: cseq + 100, cseqMethod: "BYE",
                          otherHeaders: [("Max-Forwards", "70")])
    }

    /// BYE in the dialog of an INVITE we received and answered with tag `localTag`.
    public func bye(received invite: SIPMessage, localTag: String) -> SIPMessage {
        SIPMessage(startLine: .request(method: "BYE", uri: invite.contacts.first?.uri ?? invite.requestURI!), vias: [via()],
                   from: invite.to.withTag(localTag), to: invite.from, callID: invite.callID, cseq: 1, cseqMethod: "BYE",
                   otherHeaders: [("Max-Forwards", "70")])
    }

    /// Answers a request the server sent us; an INVITE's 2xx carries our SDP and contact.
    public func reply(to request: SIPMessage, _ status: Int, tag: String = "callee-tag") {
        var response = request.response(status, toTag: request.to.tag == nil && status > 100 ? tag : request.to.tag)
        if request.method == "INVITE" && (200..<300).contains(status) {
            response.contacts = [NameAddress(uri: contact)]
            response.contentType = "application/sdp"
            response.body = Array(sdp(port: 7100).utf8)
        }
        send(response)
    }

    // MARK: - Reading what the server sent us

    /// The oldest unread message sent to this phone that matches.
    public func received(where matches: (SIPMessage) -> Bool = { _ in true }) -> SIPMessage? {
        bed.transport.readOutbound { $0.peer == peer && matches($0.message) }?.message
    }

    /// The oldest unread response to `request` (same Call-ID, CSeq and method).
    public func response(to request: SIPMessage, final: Bool = false) -> SIPMessage? {
        received {
            !$0.isRequest && $0.callID == request.callID && $0.cseq == request.cseq && $0.cseqMethod == request.method
                && (!final || $0.statusCode >= 200)
        }
    }

    /// The oldest unread request of `method` sent to this phone.
    public func incoming(_ method: String) -> SIPMessage? {
        received { $0.isRequest && $0.method == method }
    }

    /// How many unread messages the server sent to this phone match.
    public func count(where matches: (SIPMessage) -> Bool) -> Int {
        bed.transport.pending.filter { $0.peer == peer && matches($0.message) }.count
    }
}
