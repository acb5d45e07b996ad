import Foundation
import Logging
import Metrics
import NIOCore
import TelefoniaCore

/// The SIP side of the PBX: registrar and B2BUA over the transaction layer.
/// Everything here runs on the signalling event loop, one message at a time, so
/// the call engine it feeds has a single owner (architecture principle 4).
final class SignallingCore: SIPTransportDelegate, @unchecked Sendable {
    let loop: any EventLoop
    let configuration: ServerConfiguration
    let store: any Store
    let engine: CallEngine
    let relay: MediaRelay
    /// Drives media the server terminates (applications).
    let mediaClock = MediaClock()
    let prompts: any PromptProvider
    let applications: [String: any CallApplication]
    /// Conference rooms with people in them (F6), see `SignallingCore+Conference.swift`.
    let conferences = ConferenceRooms()
    let logger: Logger
    let transport: SIPTransport
    var transactions: TransactionLayer!
    let nonces: NonceIssuer
    var limiter: AuthFailureLimiter
    let clock: any WallClock
    /// Address and port written in our Via and Contact headers.
    let localHost: String
    var localPort: Int { transport.boundPort }

    var calls: [CallID: B2BCall] = [:]
    var callsByA: [String: B2BCall] = [:]
    var callsByB: [String: B2BCall] = [:]
    var timers: [String: Scheduled<Void>] = [:]
    var draining = false
    /// Names this server's rows in shared live tables.
    var nodeID: String { "\(localHost):\(localPort)" }
    var lastSnapshotAt: Int64 = 0
    var lastSnapshotHadCalls = false
    var lastProbe: [String: Int64] = [:]
    /// Keep-alive answers waiting for the next tick's single write.
    var pendingReplies: [ContactReply] = []
    private var housekeeping: RepeatedTask?
    private var retention: RepeatedTask?

    let requestCounter = Counter(label: "telefonia.sip.requests")
    let malformedCounter = Counter(label: "telefonia.sip.malformed")

    init(loop: any EventLoop, configuration: ServerConfiguration, store: any Store, relay: MediaRelay, clock: any WallClock,
         applications: [any CallApplication], prompts: any PromptProvider, logger: Logger) {
        self.loop = loop
        self.applications = Dictionary(applications.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.prompts = prompts
        self.configuration = configuration
        self.store = store
        self.relay = relay
        self.clock = clock
        self.logger = logger
        self.localHost = configuration.mediaAddress
        self.engine = CallEngine(
            store: store, clock: clock,
            configuration: CallEngineConfiguration(trunkRingTimeout: configuration.trunkRingTimeout, ringTimeoutOverride: configuration.ringTimeout),
            logger: logger)
        var secret = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in secret.indices { secret[i] = UInt8.random(in: 0...255, using: &rng) }
        self.nonces = NonceIssuer(secret: secret, lifetime: configuration.nonceLifetime)
        self.limiter = AuthFailureLimiter(
            maxFailures: configuration.authMaxFailures, window: configuration.authFailureWindow, banSeconds: configuration.authBanSeconds)
        self.transport = SIPTransport(loop: loop, logger: logger)
        self.transactions = TransactionLayer(loop: loop) { [unowned self] bytes, peer in
            self.transport.send(bytes, to: peer)
        }
        transport.delegate = self
    }

    func start() -> EventLoopFuture<Void> {
        transport.start(host: configuration.sipAddress, port: configuration.sipPort).map { [unowned self] in
            self.housekeeping = self.loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [weak self] _ in
                self?.tick()
            }
            self.retention = self.loop.scheduleRepeatedTask(initialDelay: .seconds(5), delay: .hours(24)) { [weak self] _ in
                guard let self else { return }
                self.purgeExpiredRecords(now: self.clock.nowMillis())
            }
        }
    }

    /// Stops taking calls, ends the ones in progress (CDRs written), closes sockets.
    func shutdown(grace: Int) -> EventLoopFuture<Void> {
        draining = true
        let deadline = NIODeadline.now() + .seconds(Int64(grace))
        let promise = loop.makePromise(of: Void.self)
        func poll() {
            if calls.isEmpty || NIODeadline.now() >= deadline {
                run(engine.handle(.shutdown))
                // Give the BYEs a moment on the wire before the sockets close.
                loop.scheduleTask(in: .milliseconds(300)) { [self] in
                    housekeeping?.cancel()
                    retention?.cancel()
                    mediaClock.stop()
                    transactions.shutdown()
                    for t in timers.values { t.cancel() }
                    timers = [:]
                    transport.stop().cascade(to: promise)
                }
            } else {
                loop.scheduleTask(in: .milliseconds(100)) { poll() }
            }
        }
        poll()
        return promise.futureResult
    }

    private func tick() {
        let now = clock.nowMillis()
        limiter.prune(now: now / 1000)
        // Media timeout: answered calls whose relay saw nothing for `media.timeout` seconds.
        let limit = Int64(configuration.mediaTimeout) * 1000
        for call in calls.values where call.answeredAt != nil {
            let last = max(call.relay?.lastActivityMillis ?? 0, call.answeredAt ?? 0, call.channel.map { now - $0.idleMillis } ?? 0)
            if now - last > limit {
                logger.info("no media, hanging up", metadata: ["tel.call_id": "\(call.id)"])
                run(engine.handle(.mediaTimeout(call.id)))
            }
        }
        writeLiveSnapshot(now: now)
        probeContacts(now: now)
        if now / 1000 % 30 == 0 {
            do { try store.purgeExpiredRegistrations(now: now / 1000) } catch {
                logger.error("registration purge failed", metadata: ["error": "\(error)"])
            }
        }
    }

    // MARK: - Inbound

    func transport(received bytes: [UInt8], from peer: SIPPeer) {
        let message: SIPMessage
        do {
            message = try SIPParser.parse(bytes)
        } catch {
            malformedCounter.increment()
            logger.debug("malformed SIP", metadata: ["peer": "\(peer)", "reason": "\(error.reason)"])
            if let response = SIPParser.badRequestResponse(for: bytes, reason: error.reason, status: error.status) {
                transport.send(response, to: peer)
            }
            return
        }
        if message.isRequest {
            requestCounter.increment()
            handleRequest(message, from: peer)
        } else {
            if !transactions.receiveResponse(message) {
                logger.trace("stray response", metadata: ["call-id": "\(message.callID)"])
            }
        }
    }

    private func handleRequest(_ request: SIPMessage, from peer: SIPPeer) {
        guard transactions.receiveRequest(request, from: peer) else { return }
        let method = request.method
        if method == "ACK" {
            handleDialogACK(request)
            return
        }
        guard let uri = request.requestURI, ["sip", "sips"].contains(uri.scheme) else {
            respond(request, 416, peer: peer)
            return
        }
        if let mf = request.header("Max-Forwards").flatMap({ Int($0.trimmed()) }), mf == 0, method != "REGISTER", method != "OPTIONS" {
            respond(request, 483, peer: peer)
            return
        }
        if let require = request.header("Require"), !require.trimmed().isEmpty, method != "CANCEL" {
            var response = request.response(420, toTag: Self.newTag())
            response.setHeader("Unsupported", String(require.trimmed()))
            transactions.respond(to: request, with: response, peer: peer)
            return
        }
        switch method {
        case "REGISTER": handleRegister(request, from: peer)
        case "INVITE":
            if request.to.tag != nil { handleInDialog(request, from: peer) } else { handleInvite(request, from: peer) }
        case "CANCEL": handleCancel(request, from: peer)
        case "BYE", "INFO", "UPDATE": handleInDialog(request, from: peer)
        case "OPTIONS":
            if request.to.tag != nil, dialog(for: request) != nil {
                handleInDialog(request, from: peer)
            } else {
                var response = request.response(200, toTag: Self.newTag())
                response.setHeader("Allow", Self.allow)
                response.setHeader("Accept", "application/sdp")
                response.setHeader("Supported", "")
                transactions.respond(to: request, with: response, peer: peer)
            }
        case "SUBSCRIBE", "NOTIFY", "PUBLISH", "MESSAGE", "REFER", "PRACK":
            var response = request.response(405, toTag: Self.newTag())
            response.setHeader("Allow", Self.allow)
            transactions.respond(to: request, with: response, peer: peer)
        default:
            var response = request.response(501, toTag: Self.newTag())
            response.setHeader("Allow", Self.allow)
            transactions.respond(to: request, with: response, peer: peer)
        }
    }

    static let allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE"

    func respond(_ request: SIPMessage, _ status: Int, _ reason: String? = nil, peer: SIPPeer, toTag: String? = nil) {
        transactions.respond(to: request, with: request.response(status, reason, toTag: toTag ?? Self.newTag()), peer: peer)
    }

    // MARK: - Helpers

    static func newTag() -> String { randomHex(8) }
    static func newBranch() -> String { "z9hG4bK" + randomHex(12) }
    static func newCallID() -> String { randomHex(16) }

    static func randomHex(_ bytes: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        var s = ""
        s.reserveCapacity(bytes * 2)
        for _ in 0..<bytes {
            let b = UInt8.random(in: 0...255, using: &rng)
            s += String(b >> 4, radix: 16) + String(b & 15, radix: 16)
        }
        return s
    }

    func ourVia(_ kind: SIPPeer.Kind) -> Via {
        Via(transport: kind.rawValue.uppercased(), host: localHost, port: localPort,
            parameters: [("branch", Self.newBranch()), ("rport", nil)])
    }

    func ourContact(_ kind: SIPPeer.Kind) -> NameAddress {
        var params: [(name: String, value: String?)] = []
        if kind == .tcp { params.append(("transport", "tcp")) }
        return NameAddress(uri: SIPURI(user: "telefonia", host: localHost, port: localPort, parameters: params))
    }
}
