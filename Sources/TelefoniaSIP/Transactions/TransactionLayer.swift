import NIOCore

/// RFC 3261 §17 transactions for the B2BUA, on the signalling event loop.
///
/// libosip2 provides the four transaction state machines, but they keep their own
/// timers and must be polled from a thread of their own; here the timers live on a
/// `TimerWheel` (O(1) to arm and cancel, one loop task per tick) and retransmission is folded into two small tables, one per side:
/// - server side: retransmitted requests get the last response again; INVITE final
///   responses (2xx included, as RFC 6026 suggests) are retransmitted over UDP
///   until the ACK arrives or 64·T1 passes;
/// - client side: requests are retransmitted over UDP until a response (INVITE: any
///   provisional; others: the final one) and time out with a local 408 after 64·T1;
///   a non-2xx final response to an INVITE is ACKed here (§17.1.1.3).
final class TransactionLayer {
    static let t1 = 500
    static let t2 = 4000
    static let lifetime = 64 * t1

    private let timers: TimerWheel
    private let send: ([UInt8], SIPPeer) -> Void

    struct ServerEntry {
        var peer: SIPPeer
        var lastResponse: [UInt8]?
        var finalStatus: Int = 0
        var retransmit: TimerWheel.Handle?
        var expiry: TimerWheel.Handle?
    }

    struct ClientEntry {
        var peer: SIPPeer
        var request: SIPMessage
        var bytes: [UInt8]
        var gotProvisional = false
        var gotFinal = false
        var retransmit: TimerWheel.Handle?
        var timeout: TimerWheel.Handle?
        var onResponse: (SIPMessage) -> Void
    }

    private var servers: [String: ServerEntry] = [:]
    private var clients: [String: ClientEntry] = [:]

    init(loop: any EventLoop, send: @escaping ([UInt8], SIPPeer) -> Void) {
        self.timers = TimerWheel(loop: loop)
        self.send = send
    }

    var pendingCount: (server: Int, client: Int) { (servers.count, clients.count) }

    // MARK: - Server side

    static func serverKey(_ request: SIPMessage, method: String? = nil) -> String {
        let via = request.vias.first
        let branch = via?.branch ?? "\(request.callID)|\(request.cseq)|\(request.from.tag ?? "")"
        return "\(branch)|\(via?.host ?? ""):\(via?.port ?? 5060)|\(method ?? request.method)"
    }

    /// Returns true when the request is new and belongs to the layer above;
    /// false when it was a retransmission (answered here) or an ACK for a non-2xx.
    func receiveRequest(_ request: SIPMessage, from peer: SIPPeer) -> Bool {
        if request.method == "ACK" {
            let key = Self.serverKey(request, method: "INVITE")
            if var entry = servers[key], entry.finalStatus >= 300 {
                timers.cancel(entry.retransmit)
                entry.retransmit = nil
                servers[key] = entry
                return false
            }
            return true
        }
        let key = Self.serverKey(request)
        if let entry = servers[key] {
            // Answer on the transport the retransmission came in on (a phone may switch).
            if let last = entry.lastResponse { send(last, peer) }
            return false
        }
        var entry = ServerEntry(peer: peer)
        entry.expiry = timers.schedule(in: 180_000) { [weak self] in self?.dropServer(key) }
        servers[key] = entry
        return true
    }

    /// Whether an INVITE server transaction is still waiting for its final response (CANCEL matching).
    func isPending(inviteKey key: String) -> Bool {
        guard let entry = servers[key] else { return false }
        return entry.finalStatus < 200
    }

    /// Sends a response within the request's server transaction.
    func respond(to request: SIPMessage, with response: SIPMessage, peer: SIPPeer) {
        var response = response
        // RFC 3581 / RFC 3261 §18.2.1: say where the request really came from.
        if !response.vias.isEmpty { response.vias[0].stampReceived(host: peer.host, port: peer.port) }
        let bytes = response.serialized()
        send(bytes, peer)
        let key = Self.serverKey(request)
        guard var entry = servers[key] else { return }
        entry.lastResponse = bytes
        let status = response.statusCode
        if status >= 200 {
            entry.finalStatus = status
            timers.cancel(entry.expiry)
            entry.expiry = timers.schedule(in: Int64(Self.lifetime)) { [weak self] in self?.dropServer(key) }
            if request.method == "INVITE", peer.kind == .udp {
                entry.retransmit = scheduleServerRetransmit(key: key, interval: Self.t1)
            }
        }
        servers[key] = entry
    }

    /// The ACK for a 2xx arrived (dialog layer matched it): stop retransmitting.
    func acknowledged(inviteKey key: String) {
        timers.cancel(servers[key]?.retransmit)
        servers[key]?.retransmit = nil
    }

    private func scheduleServerRetransmit(key: String, interval: Int) -> TimerWheel.Handle {
        timers.schedule(in: Int64(interval)) { [weak self] in
            guard let self, var entry = self.servers[key], entry.retransmit != nil, let last = entry.lastResponse else { return }
            self.send(last, entry.peer)
            entry.retransmit = self.scheduleServerRetransmit(key: key, interval: min(interval * 2, Self.t2))
            self.servers[key] = entry
        }
    }

    private func dropServer(_ key: String) {
        timers.cancel(servers[key]?.retransmit)
        servers[key] = nil
    }

    // MARK: - Client side

    /// Sends a request in a new client transaction; `onResponse` sees every response
    /// (provisional, final, retransmitted 2xx) and a local 408 on timeout.
    func sendRequest(_ request: SIPMessage, to peer: SIPPeer, onResponse: @escaping (SIPMessage) -> Void) {
        guard let topBranch = request.vias.first?.branch else { return }
        // A CANCEL shares its INVITE's branch (§9.1): the method keeps the two
        // client transactions apart (§17.1.3).
        let branch = topBranch + "|" + request.method
        let bytes = request.serialized()
        send(bytes, peer)
        var entry = ClientEntry(peer: peer, request: request, bytes: bytes, onResponse: onResponse)
        if peer.kind == .udp {
            entry.retransmit = scheduleClientRetransmit(branch: branch, interval: Self.t1)
        }
        entry.timeout = timers.schedule(in: Int64(Self.lifetime)) { [weak self] in
            self?.timedOut(branch)
        }
        clients[branch] = entry
    }

    /// Routes a response to its client transaction; false when none matches (stray).
    func receiveResponse(_ response: SIPMessage) -> Bool {
        guard let topBranch = response.vias.first?.branch else { return false }
        let branch = topBranch + "|" + response.cseqMethod
        guard var entry = clients[branch] else { return false }
        let status = response.statusCode
        if status < 200 {
            entry.gotProvisional = true
            if entry.request.method == "INVITE" {
                timers.cancel(entry.retransmit)
                entry.retransmit = nil
            }
        } else {
            let firstFinal = !entry.gotFinal
            entry.gotFinal = true
            timers.cancel(entry.retransmit)
            entry.retransmit = nil
            if entry.request.method == "INVITE", status >= 300 {
                send(Self.ack(for: entry.request, response: response).serialized(), entry.peer)
                if !firstFinal {
                    clients[branch] = entry
                    return true
                }
            }
            if firstFinal {
                timers.cancel(entry.timeout)
                // Keep the entry a while to absorb retransmissions (timers D / K) and to
                // let the dialog layer re-ACK retransmitted 2xx.
                entry.timeout = timers.schedule(in: Int64(Self.lifetime / 2)) { [weak self] in
                    self?.clients[branch] = nil
                }
            } else if status >= 200, entry.request.method != "INVITE" {
                clients[branch] = entry
                return true
            }
        }
        clients[branch] = entry
        entry.onResponse(response)
        return true
    }

    private func scheduleClientRetransmit(branch: String, interval: Int) -> TimerWheel.Handle {
        timers.schedule(in: Int64(interval)) { [weak self] in
            guard let self, var entry = self.clients[branch], entry.retransmit != nil else { return }
            self.send(entry.bytes, entry.peer)
            let next = entry.request.method == "INVITE" ? interval * 2 : min(interval * 2, Self.t2)
            entry.retransmit = self.scheduleClientRetransmit(branch: branch, interval: next)
            self.clients[branch] = entry
        }
    }

    private func timedOut(_ branch: String) {
        guard let entry = clients.removeValue(forKey: branch) else { return }
        timers.cancel(entry.retransmit)
        if !entry.gotFinal {
            var timeout = entry.request.response(408, "Request Timeout")
            timeout.setHeader("Warning", Self.localTimeoutWarning)
            entry.onResponse(timeout)
        }
    }

    static let localTimeoutWarning = "399 telefonia \"no response (timer B/F)\""

    /// Whether a response is the local 408 made when the peer never answered.
    static func isLocalTimeout(_ response: SIPMessage) -> Bool {
        response.statusCode == 408 && response.header("Warning") == localTimeoutWarning
    }

    /// ACK for a non-2xx final response: same branch, To from the response (§17.1.1.3).
    static func ack(for invite: SIPMessage, response: SIPMessage) -> SIPMessage {
        SIPMessage(
            startLine: .request(method: "ACK", uri: invite.requestURI!), vias: Array(invite.vias.prefix(1)),
            from: invite.from, to: response.to, callID: invite.callID, cseq: invite.cseq, cseqMethod: "ACK",
            routes: invite.routes, otherHeaders: [("Max-Forwards", "70")])
    }

    func shutdown() {
        timers.stop()
        servers = [:]
        clients = [:]
    }
}
