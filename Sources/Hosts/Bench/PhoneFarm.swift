import NIOCore
import NIOPosix
import TelefoniaCore
import TelefoniaSIP

/// Many virtual SIP phones behind one UDP socket, as a load generator.
///
/// Every line registers a Contact whose user part is its extension
/// (`sip:2101@127.0.0.1:PORT`), so the server's INVITEs to callees, which carry
/// that Contact as Request-URI, reach the right virtual phone although all of
/// them share the socket. Everything runs on one event loop: no locks, and the
/// bench takes at most one core (plus one for RTP) from the server it measures.
///
/// The phones do what RFC 3261 asks of a UA over UDP and no more: client
/// requests are retransmitted from T1 until answered (§17.1), a UAS 2xx is
/// retransmitted until the ACK arrives (§13.3.1.4), retransmitted requests get
/// the last response again.
final class PhoneFarm: @unchecked Sendable {
    static let t1: Int64 = 500
    static let t2: Int64 = 4000

    let loop: any EventLoop
    let server: SocketAddress
    let domain: String
    let digest: DigestAlgorithm
    var lines: [String: BenchLine] = [:]

    private(set) var sipChannel: (any Channel)?
    private(set) var localPort = 0
    private var clients: [String: ClientTransaction] = [:]
    private var sequence = 0
    /// Differs per farm so two runs never share branches, tags or Call-IDs.
    private let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 36)

    var counters = Counters()

    // Call state (PhoneFarm+Calls.swift); only one run at a time.
    var run: CallRun?
    var callerCalls: [String: BenchCall] = [:]
    var calleeLegs: [String: CalleeLeg] = [:]

    // Media (PhoneFarm+Media.swift).
    var media: MediaState?

    /// What went over the wire, for the report.
    struct Counters {
        var sent = 0
        var received = 0
        var retransmitted = 0
        /// Requests the server sent again (it missed our response or ACK).
        var retransmissionsReceived = 0
        var parseErrors = 0
        var strayResponses = 0
        var unexpectedRequests = 0
        var transactionTimeouts = 0
        /// OPTIONS keep-alives the server sent to our contacts (and we answered).
        var keepAlives = 0
    }

    init(loop: any EventLoop, server: SocketAddress, domain: String, digest: DigestAlgorithm) {
        self.loop = loop
        self.server = server
        self.domain = domain
        self.digest = digest
    }

    /// Binds the SIP socket on 127.0.0.1 (any port).
    func start() -> EventLoopFuture<Void> {
        DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_rcvbuf), value: 8 << 20)
            .channelOption(.socketOption(.so_sndbuf), value: 8 << 20)
            .channelOption(.maxMessagesPerRead, value: 32)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SIPDatagramHandler(farm: self))
                }
            }
            .bind(host: domain, port: 0)
            .map { channel in
                self.sipChannel = channel
                self.localPort = channel.localAddress?.port ?? 0
            }
    }

    func stop() -> EventLoopFuture<Void> {
        loop.flatSubmit {
            for tx in self.clients.values {
                tx.retransmit?.cancel()
                tx.expiry?.cancel()
            }
            self.clients = [:]
            self.stopMedia()
            var closing: [EventLoopFuture<Void>] = []
            if let channel = self.sipChannel { closing.append(channel.close().recover { _ in }) }
            if let media = self.media {
                closing.append(media.callerChannel.close().recover { _ in })
                closing.append(media.calleeChannel.close().recover { _ in })
            }
            return EventLoopFuture.andAllComplete(closing, on: self.loop)
        }
    }

    // MARK: - Identifiers and headers

    func next() -> Int {
        sequence += 1
        return sequence
    }

    func newBranch() -> String { "z9hG4bK" + prefix + "." + String(next(), radix: 36) }
    func newTag() -> String { prefix + "t" + String(next(), radix: 36) }
    func newCallID() -> String { prefix + "c" + String(next(), radix: 36) + "@bench" }

    func via(branch: String) -> Via {
        Via(transport: "UDP", host: domain, port: localPort, parameters: [("branch", branch), ("rport", nil)])
    }

    func contact(_ line: BenchLine) -> NameAddress {
        NameAddress(uri: SIPURI(user: line.extensionNumber, host: domain, port: localPort))
    }

    func addressOfRecord(_ extensionNumber: String) -> SIPURI {
        SIPURI(user: extensionNumber, host: domain)
    }

    // MARK: - Transport

    func send(_ bytes: [UInt8], to address: SocketAddress) {
        guard let channel = sipChannel else { return }
        counters.sent += 1
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
    }

    fileprivate func received(_ bytes: [UInt8], from source: SocketAddress) {
        counters.received += 1
        let message: SIPMessage
        do {
            message = try SIPParser.parse(bytes)
        } catch {
            counters.parseErrors += 1
            run?.noteProtocolError("unparseable message from the server (\(error.reason)):\n" + String(decoding: bytes, as: UTF8.self))
            return
        }
        if message.isRequest {
            receivedRequest(message, bytes: bytes, from: source)
        } else {
            receivedResponse(message, bytes: bytes)
        }
    }

    // MARK: - Client transactions (RFC 3261 §17.1)

    /// Sends `request` in a new client transaction. `onResponse` sees every
    /// response, retransmitted finals included, and nil once if none arrives
    /// within `timeout`.
    @discardableResult
    func sendRequest(
        _ request: SIPMessage, to address: SocketAddress? = nil, timeout: TimeAmount = .seconds(16),
        onResponse: @escaping (SIPMessage?, [UInt8]) -> Void
    ) -> [UInt8] {
        guard let branch = request.vias.first?.branch else { return [] }
        let bytes = request.serialized()
        let destination = address ?? server
        let tx = ClientTransaction(
            branch: branch, method: request.method, bytes: bytes, destination: destination, onResponse: onResponse)
        clients[branch] = tx
        send(bytes, to: destination)
        tx.retransmit = scheduleRetransmit(tx, after: Self.t1)
        tx.expiry = loop.scheduleTask(in: timeout) { [self] in
            clients[branch] = nil
            tx.retransmit?.cancel()
            if !tx.gotFinal {
                counters.transactionTimeouts += 1
                tx.onResponse(nil, [])
            }
        }
        return bytes
    }

    private func scheduleRetransmit(_ tx: ClientTransaction, after millis: Int64) -> Scheduled<Void> {
        loop.scheduleTask(in: .milliseconds(millis)) { [self] in
            guard clients[tx.branch] === tx, !tx.gotFinal, !(tx.method == "INVITE" && tx.gotProvisional) else { return }
            counters.retransmitted += 1
            send(tx.bytes, to: tx.destination)
            // INVITE doubles without a cap (timer A); others cap at T2 (timer E).
            let next = tx.method == "INVITE" ? millis * 2 : min(millis * 2, Self.t2)
            tx.retransmit = scheduleRetransmit(tx, after: next)
        }
    }

    private func receivedResponse(_ response: SIPMessage, bytes: [UInt8]) {
        guard let branch = response.vias.first?.branch, let tx = clients[branch] else {
            counters.strayResponses += 1
            return
        }
        if response.statusCode < 200 {
            tx.gotProvisional = true
        } else if !tx.gotFinal {
            tx.gotFinal = true
            tx.retransmit?.cancel()
            tx.retransmit = nil
            // Linger to absorb retransmitted finals (timers D and K), then forget.
            tx.expiry?.cancel()
            tx.expiry = loop.scheduleTask(in: .seconds(5)) { [self] in
                if clients[branch] === tx { clients[branch] = nil }
            }
        }
        tx.onResponse(response, bytes)
    }

    // MARK: - Requests from the server

    private func receivedRequest(_ request: SIPMessage, bytes: [UInt8], from source: SocketAddress) {
        switch request.method {
        case "INVITE" where request.to.tag == nil:
            calleeInvite(request, bytes: bytes, from: source)
        case "ACK":
            calleeAck(request, bytes: bytes)
        case "BYE":
            receivedBye(request, bytes: bytes, from: source)
        case "OPTIONS":
            counters.keepAlives += 1
            send(request.response(200, toTag: newTag()).serialized(), to: source)
        default:
            counters.unexpectedRequests += 1
            run?.noteProtocolError("unexpected request from the server:\n" + String(decoding: bytes, as: UTF8.self))
            if request.method != "ACK" {
                send(request.response(request.method == "INVITE" ? 488 : 405, toTag: newTag()).serialized(), to: source)
            }
        }
    }
}

/// Hands every datagram of the SIP socket to the farm.
private final class SIPDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let farm: PhoneFarm

    init(farm: PhoneFarm) { self.farm = farm }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var buffer = envelope.data
        guard let bytes = buffer.readBytes(length: buffer.readableBytes), !bytes.isEmpty else { return }
        if bytes.allSatisfy({ $0 == 13 || $0 == 10 }) { return }
        farm.received(bytes, from: envelope.remoteAddress)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable (the server went away) surfaces here; the socket stays usable.
    }
}
