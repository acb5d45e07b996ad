import TelefoniaSIP
import Testing

/// A call set up through the server between two test phones.
struct ConnectedCall: Sendable {
    let caller: TestUA
    let callee: TestUA
    var outgoing: TestUA.OutgoingCall
    var incoming: TestUA.IncomingCall
    /// The 200 the caller received.
    var ok: SIPMessage
    /// When the callee sent its 200: the server's answer time (media timeout start) is after this.
    var answerSentAt: ContinuousClock.Instant
    /// When the caller's socket read the 200.
    var okReceivedAt: ContinuousClock.Instant
    /// SDP of the INVITE the callee received (the relay port facing the callee).
    var offerAtCallee: SDPSummary
    /// SDP of the 200 the caller received (the relay port facing the caller).
    var answerAtCaller: SDPSummary
}

extension TestPBX {
    /// Phones for `extensions`, each registered (fails the test when a REGISTER is not accepted).
    func registeredPhones(_ extensions: [String], transport: TestUA.Transport = .udp) async throws -> [TestUA] {
        var phones: [TestUA] = []
        for ext in extensions {
            let phone = try self.phone(ext, transport: transport)
            let response = try await phone.register()
            try #require(response.statusCode == 200, "REGISTER of \(ext) got \(response.statusCode)")
            phones.append(phone)
        }
        return phones
    }

    /// INVITE (with the 407 round), 100, INVITE at the callee, 180, 200, and the
    /// caller's ACK unless `ack` is false.
    func connectCall(from caller: TestUA, to callee: TestUA, ack: Bool = true) async throws -> ConnectedCall {
        var outgoing = try await caller.call(callee.user)
        _ = try await caller.response(to: outgoing.invite, status: 100)
        let incoming = try await callee.incomingCall()
        try callee.answer(incoming, 180)
        _ = try await caller.response(to: outgoing.invite, status: 180)
        let answerSentAt = ContinuousClock.now
        try callee.answer(incoming, 200)
        let received = try await caller.receivedResponse(to: outgoing.invite, status: 200)
        let ok = received.message
        if ack {
            try caller.ack(&outgoing, ok: ok)
        } else {
            outgoing.toTag = ok.to.tag
            outgoing.remoteTarget = ok.contacts.first?.uri.description
        }
        return ConnectedCall(
            caller: caller, callee: callee, outgoing: outgoing, incoming: incoming, ok: ok,
            answerSentAt: answerSentAt, okReceivedAt: received.receivedAt,
            offerAtCallee: SDPSummary(incoming.invite.body), answerAtCaller: SDPSummary(ok.body))
    }
}
