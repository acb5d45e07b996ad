import Logging
import NIOCore
import NIOPosix
import TelefoniaSIP

/// Hands each datagram a UDP channel reads to a closure, on the channel's loop.
final class DatagramReader: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let received: (SocketAddress, [UInt8]) -> Void

    init(_ received: @escaping (SocketAddress, [UInt8]) -> Void) { self.received = received }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        received(envelope.remoteAddress, Array(envelope.data.readableBytesView))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // An ICMP "port unreachable" from a peer that went: keep the socket.
    }
}

/// Binds a UDP socket on `loop` whose datagrams go to `received`.
func bindDatagram(on loop: any EventLoop, host: String, port: Int = 0,
                  _ received: @escaping (SocketAddress, [UInt8]) -> Void) -> EventLoopFuture<any Channel> {
    DatagramBootstrap(group: loop)
        .channelOption(.socketOption(.so_reuseaddr), value: 1)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(DatagramReader(received)) }
        }
        .bind(host: host, port: port)
}

func send(_ bytes: [UInt8], to address: SocketAddress, on channel: any Channel) {
    let buffer = channel.allocator.buffer(bytes: bytes)
    channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
}

/// One call's media between the browser and SIP: on the browser side ICE-lite (answers
/// its checks), DTLS (the handshake, as server) and SRTP; on the SIP side plain RTP to
/// the server's relay. RTP goes through untouched but for the encryption, so both
/// sides use the same payload types. Everything runs on one event loop.
final class MediaBridge: @unchecked Sendable {
    let loop: any EventLoop
    let endpoint: GatewayEndpoint
    /// Where SIP sees this phone's media (plain RTP).
    let plainPort: Int
    private let browserChannel: any Channel
    private let plainChannel: any Channel
    private let association: DTLSAssociation
    private let logger: Logger
    /// Where the browser's checks come from (its media goes back there).
    private var browser: SocketAddress?
    /// The server's relay (from SIP's SDP).
    private var relay: SocketAddress?
    private var timer: RepeatedTask?
    private(set) var closed = false
    var onEstablished: (() -> Void)?
    var onFailed: ((String) -> Void)?
    /// Packets through, each way (for logs and tests).
    private(set) var toBrowser = 0
    private(set) var toRelay = 0

    private init(loop: any EventLoop, endpoint: GatewayEndpoint, plainPort: Int, browserChannel: any Channel, plainChannel: any Channel,
                 association: DTLSAssociation, logger: Logger) {
        self.loop = loop
        self.endpoint = endpoint
        self.plainPort = plainPort
        self.browserChannel = browserChannel
        self.plainChannel = plainChannel
        self.association = association
        self.logger = logger
    }

    /// Binds both sockets. `browserHost` is where the browser's media arrives (`address`
    /// is what the browser is told); `expectedFingerprint` the browser's certificate.
    static func open(on loop: any EventLoop, bindHost: String, address: String, plainHost: String, context: DTLSContext,
                     expectedFingerprint: String, logger: Logger) -> EventLoopFuture<MediaBridge> {
        let box = BridgeBox()
        let browserBound = bindDatagram(on: loop, host: bindHost) { from, bytes in box.bridge?.fromBrowser(from, bytes) }
        let plainBound = bindDatagram(on: loop, host: plainHost) { from, bytes in box.bridge?.fromRelay(from, bytes) }
        return browserBound.and(plainBound).flatMapThrowing { browserChannel, plainChannel in
            guard let port = browserChannel.localAddress?.port, let plainPort = plainChannel.localAddress?.port else {
                throw WebRTCError("media sockets have no port")
            }
            let endpoint = GatewayEndpoint(address: address, port: port, ufrag: RandomID.hex(4), password: RandomID.hex(12),
                                           fingerprint: context.fingerprint)
            let association = try DTLSAssociation(context: context, server: true, expectedFingerprint: expectedFingerprint)
            let bridge = MediaBridge(loop: loop, endpoint: endpoint, plainPort: plainPort, browserChannel: browserChannel,
                                     plainChannel: plainChannel, association: association, logger: logger)
            box.bridge = bridge
            bridge.timer = loop.scheduleRepeatedTask(initialDelay: .milliseconds(250), delay: .milliseconds(250)) { [weak bridge] _ in
                bridge?.tick()
            }
            return bridge
        }.flatMapErrorThrowing { error in
            browserBound.whenSuccess { $0.close(promise: nil) }
            plainBound.whenSuccess { $0.close(promise: nil) }
            throw error
        }
    }

    /// The browser's certificate fingerprint, from its answer (a call the page took).
    func expectFingerprint(_ fingerprint: String) {
        let wasWaiting = association.state == .handshaking
        association.expect(fingerprint: fingerprint)
        if wasWaiting, association.state == .established { onEstablished?() }
        if wasWaiting, case .failed(let why) = association.state { onFailed?(why) }
    }

    /// The server's relay address from SIP's SDP.
    func setRelay(host: String, port: Int) {
        relay = try? SocketAddress(ipAddress: host, port: port)
    }

    private func fromBrowser(_ from: SocketAddress, _ bytes: [UInt8]) {
        guard !closed, let first = bytes.first else { return }
        switch first {
        case 0...3:
            guard let ip = from.ipv4Bytes, let port = from.port,
                  let check = STUN.answer(bytes, ufrag: endpoint.ufrag, password: endpoint.password, ip: ip, port: port) else { return }
            send(check.response, to: from, on: browserChannel)
            if browser == nil || check.nominated { browser = from }
        case 20...63:
            let wasHandshaking = association.state == .handshaking
            for datagram in association.receive(bytes) { send(datagram, to: from, on: browserChannel) }
            if wasHandshaking {
                switch association.state {
                case .established:
                    browser = browser ?? from
                    logger.info("web phone: DTLS-SRTP established")
                    onEstablished?()
                case .failed(let why):
                    logger.warning("web phone: DTLS failed", metadata: ["reason": "\(why)"])
                    onFailed?(why)
                case .handshaking:
                    break
                }
            }
        case 128...191:
            // RTCP (payload types 200–204 under rtcp-mux) is not relayed.
            if bytes.count > 1, (200...204).contains(Int(bytes[1])) { return }
            guard let relay, let rtp = association.unprotect(bytes) else { return }
            toRelay += 1
            send(rtp, to: relay, on: plainChannel)
        default:
            break
        }
    }

    private func fromRelay(_ from: SocketAddress, _ bytes: [UInt8]) {
        guard !closed, bytes.count >= 12, bytes[0] & 0xC0 == 0x80, let browser, let srtp = association.protect(bytes) else { return }
        toBrowser += 1
        send(srtp, to: browser, on: browserChannel)
    }

    private func tick() {
        guard association.state == .handshaking, let browser else { return }
        for datagram in association.tick() { send(datagram, to: browser, on: browserChannel) }
    }

    func close() {
        guard !closed else { return }
        closed = true
        timer?.cancel()
        browserChannel.close(promise: nil)
        plainChannel.close(promise: nil)
        logger.debug("web phone media closed", metadata: ["to_browser": "\(toBrowser)", "to_relay": "\(toRelay)"])
    }
}

/// Lets the sockets' handlers reach the bridge made after they were bound.
private final class BridgeBox: @unchecked Sendable {
    var bridge: MediaBridge?
}

extension SocketAddress {
    var ipv4Bytes: [UInt8]? {
        guard case .v4 = self, let text = ipAddress else { return nil }
        let parts = text.split(separator: ".").compactMap { UInt8($0) }
        return parts.count == 4 ? parts : nil
    }
}
