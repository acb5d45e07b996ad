import Foundation
import TelefoniaCore
import TelefoniaSIP

/// A scripted SIP phone for end-to-end tests: one line, a SIP socket (UDP, or a TCP
/// connection to the server) and an RTP socket on loopback. It builds requests as
/// text, answers digest challenges with `Digest.response`; what arrives is parsed with
/// `SIPParser.parse` into an inbox (`SIPMailbox`), so a test can wait for "the 180 of
/// this INVITE" while other traffic is still in flight.
final class TestUA: @unchecked Sendable {
    enum Transport: String, Sendable { case udp, tcp }

    /// What went wrong while waiting for traffic, with what did arrive.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let user: String
    let password: String
    let domain: String
    let serverPort: Int
    let transport: Transport
    /// The RTP socket; its port is the one in this phone's SDP.
    let media: LoopbackUDPSocket
    /// Local port of the SIP socket (or of the TCP connection).
    let localPort: Int

    private let mailbox: SIPMailbox
    private let lock = NSLock()
    private var seenInviteBranches: Set<String> = []
    private var nextCSeq = 0
    /// One Call-ID for all REGISTERs of this phone (RFC 3261 §10.2).
    let registerCallID = TestUA.token() + "@reg"

    init(user: String, password: String, domain: String, serverPort: Int, transport: Transport = .udp) throws {
        self.user = user
        self.password = password
        self.domain = domain
        self.serverPort = serverPort
        self.transport = transport
        media = try LoopbackUDPSocket()
        switch transport {
        case .udp:
            let socket = try LoopbackUDPSocket()
            mailbox = SIPMailbox(udp: socket, tcp: nil, owner: user, serverPort: serverPort)
            localPort = socket.port
        case .tcp:
            let connection = try LoopbackTCPConnection(toPort: serverPort)
            mailbox = SIPMailbox(udp: nil, tcp: connection, owner: user, serverPort: serverPort)
            localPort = connection.localPort
        }
    }

    deinit { mailbox.stop() }

    typealias Received = SIPMailbox.Received

    // MARK: - Addresses

    var aor: String { "sip:\(user)@\(domain)" }
    var contactURI: String { "sip:\(user)@127.0.0.1:\(localPort)" + (transport == .tcp ? ";transport=tcp" : "") }
    var transportName: String { transport.rawValue.uppercased() }

    static func token() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
    }

    static func branch() -> String { "z9hG4bK" + token() }

    private func takeCSeq() -> Int {
        lock.lock()
        defer { lock.unlock() }
        nextCSeq += 1
        return nextCSeq
    }

    // MARK: - Sending

    /// A request sent by this phone: enough to match its responses and to resend it unchanged.
    struct SentRequest: Sendable {
        var method: String
        var callID: String
        var cseq: Int
        var branch: String
        var bytes: [UInt8]
    }

    /// Sends raw bytes to the server over this phone's transport.
    func send(_ bytes: [UInt8]) throws {
        try send(bytes, toPort: serverPort)
    }

    private func send(_ bytes: [UInt8], toPort port: Int) throws {
        try mailbox.send(bytes, toPort: port)
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends the same bytes again (a UDP retransmission: same branch, same everything).
    func resend(_ request: SentRequest) throws { try send(request.bytes) }

    /// Builds and sends a request; header values are written as given.
    @discardableResult
    func sendRequest(
        _ method: String, uri: String, from: String, to: String, callID: String, cseq: Int,
        branch: String = TestUA.branch(), contact: String? = nil, headers: [(String, String)] = [],
        contentType: String? = nil, body: String = ""
    ) throws -> SentRequest {
        var text = "\(method) \(uri) SIP/2.0\r\n"
        text += "Via: SIP/2.0/\(transportName) 127.0.0.1:\(localPort);branch=\(branch);rport\r\n"
        text += "Max-Forwards: 70\r\n"
        text += "From: \(from)\r\n"
        text += "To: \(to)\r\n"
        text += "Call-ID: \(callID)\r\n"
        text += "CSeq: \(cseq) \(method)\r\n"
        if let contact { text += "Contact: \(contact)\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "User-Agent: TelefoniaTestUA\r\n"
        if let contentType { text += "Content-Type: \(contentType)\r\n" }
        text += "Content-Length: \(body.utf8.count)\r\n\r\n"
        text += body
        let bytes = Array(text.utf8)
        try send(bytes)
        return SentRequest(method: method, callID: callID, cseq: cseq, branch: branch, bytes: bytes)
    }

    /// Sends a response built from a received request (`SIPMessage.response` copies Via, From, To, Call-ID, CSeq).
    func reply(
        to request: SIPMessage, _ status: Int, toTag: String? = nil, contact: Bool = false, sdp: String? = nil,
        headers: [(String, String)] = []
    ) throws {
        var response = request.response(status, toTag: toTag)
        if contact, let uri = SIPURIParser.parse(contactURI) { response.contacts = [NameAddress(uri: uri)] }
        for (name, value) in headers { response.setHeader(name, value) }
        if let sdp {
            response.contentType = "application/sdp"
            response.body = Array(sdp.utf8)
        }
        // Responses go where the top Via says (RFC 3261 §18.2.2), not to a fixed server port:
        // after a restart the request may come from another server.
        try send(response.serialized(), toPort: request.vias.first?.port ?? serverPort)
    }

    // MARK: - Receiving

    /// The first message (already received, or arriving before the timeout) matching
    /// `predicate`; the others stay in the inbox. Fails with a description of what arrived instead.
    func next(
        _ what: String, timeout: Duration = .seconds(3), where predicate: @escaping @Sendable (SIPMessage) -> Bool
    ) async throws -> SIPMessage {
        try await nextReceived(what, timeout: timeout, where: predicate).message
    }

    /// `next`, with the raw bytes and the arrival time.
    func nextReceived(
        _ what: String, timeout: Duration = .seconds(3), where predicate: @escaping @Sendable (SIPMessage) -> Bool
    ) async throws -> Received {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let found = try mailbox.take(predicate) { return found }
            guard ContinuousClock.now < deadline else {
                throw Failure(description: "\(user): no \(what) within \(timeout); unclaimed: \(mailbox.pending.map(Self.summary))")
            }
            // The reader thread fills the inbox; poll it.
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Like `next`, but nil instead of an error when nothing matching arrives in time.
    func nextIfAny(
        timeout: Duration = .seconds(3), where predicate: @escaping @Sendable (SIPMessage) -> Bool
    ) async throws -> SIPMessage? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let found = try mailbox.take(predicate) { return found.message }
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Every message matching `predicate` that arrives within `duration` from now (waits the whole time).
    func collect(for duration: Duration, where predicate: @escaping @Sendable (SIPMessage) -> Bool) async throws -> [SIPMessage] {
        let deadline = ContinuousClock.now + duration
        try await Task.sleep(until: deadline)
        return try mailbox.takeAll(arrivedBy: deadline, predicate).map(\.message)
    }

    /// Messages received but not yet claimed by a wait.
    var unclaimed: [SIPMessage] { mailbox.pending }

    static func summary(_ m: SIPMessage) -> String {
        m.isRequest ? "\(m.method) (CSeq \(m.cseq))" : "\(m.statusCode) to \(m.cseqMethod) (CSeq \(m.cseq))"
    }

    /// The next response to `request` (same Call-ID, CSeq number and method); `status` narrows it.
    func response(to request: SentRequest, status: Int? = nil, final: Bool = false, timeout: Duration = .seconds(3)) async throws -> SIPMessage {
        try await receivedResponse(to: request, status: status, final: final, timeout: timeout).message
    }

    /// `response(to:)`, with the raw bytes.
    func receivedResponse(to request: SentRequest, status: Int? = nil, final: Bool = false, timeout: Duration = .seconds(3)) async throws -> Received {
        let (callID, cseq, method) = (request.callID, request.cseq, request.method)
        let what = status.map { "\($0) to \(method)" } ?? (final ? "final response to \(method)" : "response to \(method)")
        return try await nextReceived(what, timeout: timeout) { m in
            !m.isRequest && m.callID == callID && m.cseq == cseq && m.cseqMethod == method
                && (status == nil || m.statusCode == status) && (!final || m.statusCode >= 200)
        }
    }

    /// The next request with `method` (of `callID` when given; only in-dialog ones, with a To tag, when
    /// `inDialog`; only with a CSeq above `after`, skipping retransmissions of earlier ones, when given).
    func request(
        _ method: String, callID: String? = nil, inDialog: Bool = false, after: Int? = nil, timeout: Duration = .seconds(3)
    ) async throws -> SIPMessage {
        try await next("\(method) request", timeout: timeout) { m in
            m.isRequest && m.method == method && (callID == nil || m.callID == callID) && (!inDialog || m.to.tag != nil)
                && (after == nil || m.cseq > after!)
        }
    }

    // MARK: - Digest

    /// An `Authorization` / `Proxy-Authorization` value answering `challenge` with qop=auth.
    func credentials(for challenge: DigestChallenge, method: String, uri: String, password: String? = nil) -> String {
        let ha1 = Digest.ha1(username: user, realm: challenge.realm, password: password ?? self.password, algorithm: challenge.algorithm)
        let cnonce = Self.token()
        let nc = "00000001"
        let response = Digest.response(
            ha1: ha1, method: method, uri: uri, nonce: challenge.nonce, nc: nc, cnonce: cnonce, qop: "auth",
            algorithm: challenge.algorithm)
        return DigestCredentials(
            username: user, realm: challenge.realm, nonce: challenge.nonce, uri: uri, response: response,
            algorithm: challenge.algorithm, cnonce: cnonce, qop: "auth", nc: nc, opaque: challenge.opaque
        ).headerValue
    }

    /// The challenges of a 401 (`WWW-Authenticate`) or 407 (`Proxy-Authenticate`).
    static func challenges(in response: SIPMessage) -> [DigestChallenge] {
        (response.statusCode == 407 ? response.proxyAuthenticate : response.wwwAuthenticate).compactMap { DigestChallenge(header: $0) }
    }

    // MARK: - REGISTER

    /// Sends one REGISTER for this line; `contacts` nil means this phone's contact, `["*"]` unregisters all.
    @discardableResult
    func sendRegister(expires: Int?, contacts: [String]? = nil, authorization: String? = nil, headers: [(String, String)] = []) throws -> SentRequest {
        var extra: [(String, String)] = []
        for contact in (contacts ?? ["<\(contactURI)>"]).dropFirst() { extra.append(("Contact", contact)) }
        if let expires { extra.append(("Expires", String(expires))) }
        if let authorization { extra.append(("Authorization", authorization)) }
        return try sendRequest(
            "REGISTER", uri: "sip:\(domain)", from: "<\(aor)>;tag=\(Self.token())", to: "<\(aor)>", callID: registerCallID,
            cseq: takeCSeq(), contact: (contacts ?? ["<\(contactURI)>"]).first, headers: extra + headers)
    }

    /// REGISTER, the 401, REGISTER with credentials; returns the final response to the
    /// second one (or the first final response when it was not a 401).
    func register(
        expires: Int? = 3600, contacts: [String]? = nil, algorithm: DigestAlgorithm = .md5, password: String? = nil
    ) async throws -> SIPMessage {
        let first = try sendRegister(expires: expires, contacts: contacts)
        let challenge = try await response(to: first, final: true)
        guard challenge.statusCode == 401 else { return challenge }
        guard let offer = Self.challenges(in: challenge).first(where: { $0.algorithm == algorithm }) else {
            throw Failure(description: "401 offers no \(algorithm.rawValue) challenge: \(challenge.wwwAuthenticate)")
        }
        let second = try sendRegister(
            expires: expires, contacts: contacts,
            authorization: credentials(for: offer, method: "REGISTER", uri: "sip:\(domain)", password: password))
        return try await response(to: second, final: true)
    }

    // MARK: - Calls placed by this phone

    /// The caller's side of a dialog.
    struct OutgoingCall: Sendable {
        var callID: String
        var fromTag: String
        var requestURI: String
        /// The INVITE in flight (after the 407 round, the one with credentials).
        var invite: SentRequest
        var cseq: Int
        var toTag: String?
        var remoteTarget: String?
        var from: String
        /// When the INVITE with credentials went out: the server's ring timer starts after this.
        var sentAt: ContinuousClock.Instant
        var to: String { toTag.map { "<\(requestURI)>;tag=\($0)" } ?? "<\(requestURI)>" }
    }

    /// Calls `ext`: INVITE, the 407 (ACKed), INVITE with `Proxy-Authorization`. Returns
    /// without waiting for answers to the second INVITE.
    func call(_ ext: String, sdp: String? = nil, headers: [(String, String)] = []) async throws -> OutgoingCall {
        let callID = Self.token() + "@caller"
        let fromTag = Self.token()
        let uri = "sip:\(ext)@\(domain)"
        let from = "\"Ramal \(user)\" <\(aor)>;tag=\(fromTag)"
        let body = sdp ?? offer()
        let first = try sendRequest(
            "INVITE", uri: uri, from: from, to: "<\(uri)>", callID: callID, cseq: 1, contact: "<\(contactURI)>",
            headers: headers, contentType: "application/sdp", body: body)
        let challenge = try await response(to: first, final: true)
        // The ACK of a non-2xx final response reuses the INVITE's branch (RFC 3261 §17.1.1.3).
        try sendRequest(
            "ACK", uri: uri, from: from, to: "<\(uri)>;tag=\(challenge.to.tag ?? "")", callID: callID, cseq: 1,
            branch: first.branch)
        guard challenge.statusCode == 407, let offerChallenge = Self.challenges(in: challenge).first else {
            throw Failure(description: "expected 407 to the first INVITE, got \(challenge.statusCode)")
        }
        let auth = credentials(for: offerChallenge, method: "INVITE", uri: uri)
        let sentAt = ContinuousClock.now
        let invite = try sendRequest(
            "INVITE", uri: uri, from: from, to: "<\(uri)>", callID: callID, cseq: 2, contact: "<\(contactURI)>",
            headers: headers + [("Proxy-Authorization", auth)], contentType: "application/sdp", body: body)
        return OutgoingCall(callID: callID, fromTag: fromTag, requestURI: uri, invite: invite, cseq: 2, from: from, sentAt: sentAt)
    }

    /// ACK for a 2xx to the INVITE in flight: a new transaction to the remote target (§13.2.2.4).
    @discardableResult
    func ack(_ call: inout OutgoingCall, ok response: SIPMessage) throws -> SentRequest {
        call.toTag = response.to.tag
        if let target = response.contacts.first?.uri.description { call.remoteTarget = target }
        return try sendRequest(
            "ACK", uri: call.remoteTarget ?? call.requestURI, from: call.from, to: call.to, callID: call.callID,
            cseq: call.invite.cseq)
    }

    /// ACK for a non-2xx final response: same branch as the INVITE.
    func ackFailure(_ call: OutgoingCall, response: SIPMessage) throws {
        try sendRequest(
            "ACK", uri: call.requestURI, from: call.from, to: "<\(call.requestURI)>;tag=\(response.to.tag ?? "")",
            callID: call.callID, cseq: call.invite.cseq, branch: call.invite.branch)
    }

    /// CANCEL of the INVITE in flight: same Request-URI, branch and CSeq number (§9.1).
    @discardableResult
    func cancel(_ call: OutgoingCall) throws -> SentRequest {
        try sendRequest(
            "CANCEL", uri: call.requestURI, from: call.from, to: "<\(call.requestURI)>", callID: call.callID,
            cseq: call.invite.cseq, branch: call.invite.branch)
    }

    /// A re-INVITE in the dialog (hold / resume).
    func reinvite(_ call: inout OutgoingCall, sdp: String) throws -> SentRequest {
        call.cseq += 1
        let invite = try sendRequest(
            "INVITE", uri: call.remoteTarget ?? call.requestURI, from: call.from, to: call.to, callID: call.callID,
            cseq: call.cseq, contact: "<\(contactURI)>", contentType: "application/sdp", body: sdp)
        call.invite = invite
        return invite
    }

    /// BYE in the dialog.
    func bye(_ call: inout OutgoingCall) throws -> SentRequest {
        call.cseq += 1
        return try sendRequest(
            "BYE", uri: call.remoteTarget ?? call.requestURI, from: call.from, to: call.to, callID: call.callID,
            cseq: call.cseq)
    }

    // MARK: - Calls received by this phone

    /// The callee's side of a dialog.
    struct IncomingCall: Sendable {
        var invite: SIPMessage
        var toTag: String
        var cseq = 0
    }

    /// The next new INVITE (retransmissions of one already seen are skipped).
    func incomingCall(timeout: Duration = .seconds(3)) async throws -> IncomingCall {
        while true {
            let invite = try await next("INVITE", timeout: timeout) { $0.isRequest && $0.method == "INVITE" && $0.to.tag == nil }
            let branch = invite.vias.first?.branch ?? ""
            let isNew = lock.withLock { seenInviteBranches.insert(branch).inserted }
            if isNew { return IncomingCall(invite: invite, toTag: Self.token()) }
        }
    }

    /// Answers the INVITE with `status` (a 2xx carries this phone's SDP unless `sdp` is given).
    func answer(_ call: IncomingCall, _ status: Int, sdp: String? = nil) throws {
        let body = status >= 200 && status < 300 ? (sdp ?? offer()) : sdp
        try reply(to: call.invite, status, toTag: call.toTag, contact: status < 300 && status > 100, sdp: body)
    }

    /// BYE from the callee: From is the INVITE's To with our tag, sent to the caller's Contact.
    func bye(_ call: inout IncomingCall) throws -> SentRequest {
        call.cseq += 1
        let invite = call.invite
        let target = invite.contacts.first?.uri.description ?? invite.from.uri.description
        return try sendRequest(
            "BYE", uri: target, from: invite.to.withTag(call.toTag).description, to: invite.from.description,
            callID: invite.callID, cseq: 100 + call.cseq)
    }

    // MARK: - Media

    /// An SDP offer/answer with PCMU, PCMA and telephone-event on this phone's RTP port.
    func offer(direction: String = "sendrecv", version: Int = 1) -> String {
        """
        v=0\r
        o=\(user) 4242 \(version) IN IP4 127.0.0.1\r
        s=call\r
        c=IN IP4 127.0.0.1\r
        t=0 0\r
        m=audio \(media.port) RTP/AVP 0 8 101\r
        a=rtpmap:0 PCMU/8000\r
        a=rtpmap:8 PCMA/8000\r
        a=rtpmap:101 telephone-event/8000\r
        a=fmtp:101 0-16\r
        a=\(direction)\r

        """
    }

    /// Sends RTP packets to 127.0.0.1:`port` from this phone's media socket.
    func sendRTP(_ packets: [[UInt8]], toPort port: Int) throws {
        for packet in packets { try media.send(packet, toPort: port) }
    }

    /// Up to `count` RTP packets received within `timeout`.
    func receiveRTP(count: Int, timeout: Duration = .seconds(3)) async throws -> [[UInt8]] {
        let deadline = ContinuousClock.now + timeout
        return try await offCooperativePool { [media] in
            var packets: [[UInt8]] = []
            while packets.count < count, let datagram = try media.receive(until: deadline) { packets.append(datagram.bytes) }
            return packets
        }
    }

    /// An RTP packet (version 2, PCMU) with a recognisable 160-byte payload.
    static func rtpPacket(sequence: UInt16, ssrc: UInt32, fill: UInt8) -> [UInt8] {
        var packet: [UInt8] = [0x80, 0x00, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
        let timestamp = UInt32(sequence) * 160
        packet += [UInt8(timestamp >> 24), UInt8(timestamp >> 16 & 0xFF), UInt8(timestamp >> 8 & 0xFF), UInt8(timestamp & 0xFF)]
        packet += [UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xFF), UInt8(ssrc >> 8 & 0xFF), UInt8(ssrc & 0xFF)]
        packet += (0..<160).map { UInt8(truncatingIfNeeded: Int(fill) &+ $0 &+ Int(sequence)) }
        return packet
    }
}

/// The parts of an SDP body the tests check: connection address, audio port, attributes.
struct SDPSummary: Equatable {
    var connectionAddress: String?
    var audioPort: Int?
    var attributes: [String]

    init(_ body: [UInt8]) {
        connectionAddress = nil
        audioPort = nil
        attributes = []
        // "\r\n" is one Character in Swift, so split on isNewline rather than on "\r" / "\n".
        for raw in String(decoding: body, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let line = String(raw)
            if line.hasPrefix("c=") {
                connectionAddress = line.split(separator: " ").last.map(String.init)
            } else if line.hasPrefix("m=audio ") {
                audioPort = Int(line.split(separator: " ")[1])
            } else if line.hasPrefix("a=") {
                attributes.append(String(line.dropFirst(2)))
            }
        }
    }

    /// sendonly / recvonly / inactive / sendrecv, if stated.
    var direction: String? { attributes.first { ["sendonly", "recvonly", "inactive", "sendrecv"].contains($0) } }
}
