import Logging
import NIOCore
import NIOPosix

/// SIP over UDP and TCP sockets on SwiftNIO. The layers above run on `loop`, the
/// signalling loop, single-threaded without locks; TCP channels live there too.
///
/// UDP may live on a loop of its own (`ioLoop`): datagrams are then read and parsed
/// there and handed to the signalling loop in one task per read burst, and sends are
/// gathered on the signalling loop and written there in one task per burst (NIO then
/// sends them with one `sendmmsg`). Parsing and the socket system calls then run on
/// another core than the call logic: at 1,400 calls/s they were a quarter of the
/// signalling thread's time.
public final class SocketTransport: SIPTransport, @unchecked Sendable {
    public let loop: any EventLoop
    /// Where the UDP socket lives (`loop` unless given).
    let ioLoop: any EventLoop
    private let host: String
    private let port: Int
    private let logger: Logger
    private var deliver: ((InboundMessage, SIPPeer) -> Void)?
    private var udp: (any Channel)?
    private var tcpServer: (any Channel)?
    private let tcp: TCPConnections
    private var sweep: RepeatedTask?
    /// Run on each received datagram on `ioLoop`: a response it returns is sent from there
    /// and the datagram dropped (the overload gate's 503s).
    private var screening: (@Sendable (SIPMessage, SIPPeer) -> ScreenVerdict)?
    private var rawScreening: (@Sendable ([UInt8]) -> ScreenVerdict?)?
    public private(set) var screensAdmission = false
    /// How long datagrams wait for the signalling loop (when UDP has a loop of its own).
    public let handOverMeter: HandOverMeter?
    /// UDP sends gathered on the signalling loop, written on `ioLoop` together.
    private var outbox: [([UInt8], SIPPeer)] = []
    public private(set) var localPort: Int = 0

    /// A transport that will bind `host`:`port` (port 0 picks a free UDP port and uses it for TCP too).
    public init(loop: any EventLoop, ioLoop: (any EventLoop)? = nil, host: String, port: Int, tcpLimits: TCPLimits = TCPLimits(),
                logger: Logger) {
        self.loop = loop
        self.ioLoop = ioLoop ?? loop
        self.handOverMeter = self.ioLoop === loop ? nil : HandOverMeter()
        self.host = host
        self.port = port
        self.logger = logger
        self.tcp = TCPConnections(limits: tcpLimits, logger: logger)
    }

    /// Binds UDP and TCP on the same port.
    public func start(deliver: @escaping (InboundMessage, SIPPeer) -> Void) -> EventLoopFuture<Void> {
        self.deliver = deliver
        let udpBootstrap = DatagramBootstrap(group: ioLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 * 1024 * 1024)
            // NIO reads datagrams into 2 KiB buffers by default and truncates longer
            // ones; SIP over UDP may be up to 64 KiB (RFC 3261 §18.1.1).
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: SIPParser.maxMessageSize + 1))
            .channelInitializer { [unowned self] channel in
                channel.pipeline.addHandler(UDPInboundHandler(transport: self))
            }
        return udpBootstrap.bind(host: host, port: port).hop(to: loop).flatMap { [unowned self] channel in
            self.udp = channel
            self.localPort = channel.localAddress?.port ?? self.port
            let tcpBootstrap = ServerBootstrap(group: self.loop)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { [unowned self] child in
                    // Over the per-address cap the connection is closed as soon as it is accepted.
                    guard let remote = child.remoteAddress, self.tcp.admits(remote) else { return child.close() }
                    return self.addStreamHandlers(to: child, outbound: false)
                }
            return tcpBootstrap.bind(host: self.host, port: self.localPort).map { server in
                self.tcpServer = server
                self.sweep = self.loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [weak self] _ in
                    self?.tcp.sweep()
                }
            }
        }
    }

    public func stop() -> EventLoopFuture<Void> {
        sweep?.cancel()
        let channels: [any Channel] = [udp, tcpServer].compactMap { $0 } + tcp.channels
        let futures = channels.map { $0.close().recover { _ in } }
        return EventLoopFuture.andAllComplete(futures, on: loop)
    }

    /// Sends a message; over TCP it uses the connection the peer opened, or opens one.
    public func send(_ bytes: [UInt8], to peer: SIPPeer) {
        loop.assertInEventLoop()
        switch peer.kind {
        case .udp:
            guard let udp else { return }
            guard ioLoop !== loop else {
                Self.write([(bytes, peer)], on: udp)
                return
            }
            if outbox.isEmpty {
                // Once the current task is done, everything sent meanwhile leaves in one hop.
                loop.execute { [self] in
                    let batch = outbox
                    outbox = []
                    ioLoop.execute { Self.write(batch, on: udp) }
                }
            }
            outbox.append((bytes, peer))
        case .tcp:
            if let channel = tcp.channel(for: peer.address) {
                write(bytes, on: channel)
                return
            }
            ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { [unowned self] child in
                    self.addStreamHandlers(to: child, outbound: true)
                }
                .connectTimeout(.seconds(5))
                .connect(to: peer.address)
                .whenComplete { [weak self] result in
                    switch result {
                    case .success(let channel): self?.write(bytes, on: channel)
                    case .failure(let error):
                        self?.logger.debug("tcp connect failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
                    }
                }
        }
    }

    /// Writes datagrams and flushes once (on the UDP channel's loop).
    private static func write(_ batch: [([UInt8], SIPPeer)], on udp: any Channel) {
        for (bytes, peer) in batch {
            var buffer = udp.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            udp.write(AddressedEnvelope(remoteAddress: peer.address, data: buffer), promise: nil)
        }
        udp.flush()
    }

    private func write(_ bytes: [UInt8], on channel: any Channel) {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// Set before `start`.
    public func screen(raw: @escaping @Sendable ([UInt8]) -> ScreenVerdict?, with screen: @escaping @Sendable (SIPMessage, SIPPeer) -> ScreenVerdict) {
        rawScreening = raw
        screening = screen
        screensAdmission = true
    }

    /// Keeps the connection `peer` registered over open for `seconds` (not closed as idle).
    public func markBound(_ peer: SIPPeer, seconds: Int) {
        guard peer.kind == .tcp else { return }
        tcp.bind(peer.address, seconds: seconds)
    }

    private func addStreamHandlers(to channel: any Channel, outbound: Bool) -> EventLoopFuture<Void> {
        let tcp = self.tcp
        let decoder = SIPStreamDecoder { [weak channel] pending in
            if let channel { tcp.partial(channel, pending: pending) }
        }
        return channel.pipeline.addHandlers([
            ByteToMessageHandler(decoder),
            TCPInboundHandler(transport: self, outbound: outbound),
        ])
    }

    fileprivate func connectionOpened(_ channel: any Channel, outbound: Bool) {
        tcp.opened(channel, outbound: outbound)
    }

    fileprivate func connectionClosed(_ channel: any Channel) {
        tcp.closed(channel)
    }

    fileprivate func messageReceived(on channel: any Channel) {
        tcp.messageReceived(channel)
    }

    /// A TCP message, on the signalling loop (screened like datagrams).
    fileprivate func received(_ bytes: [UInt8], from peer: SIPPeer) {
        let inbound = InboundMessage(parsing: bytes)
        switch screened(inbound, from: peer) {
        case .pass: deliver?(inbound, peer)
        case .drop: break
        case .answer(let response): send(response, to: peer)
        }
    }

    /// The raw screen's verdict on a datagram before it is parsed (nil: parse, then screen).
    fileprivate func rawScreened(_ bytes: [UInt8]) -> ScreenVerdict? {
        rawScreening?(bytes)
    }

    /// The screen's answer to a message just parsed.
    fileprivate func screened(_ inbound: InboundMessage, from peer: SIPPeer) -> ScreenVerdict {
        guard let screening, case .message(let message) = inbound else { return .pass }
        return screening(message, peer)
    }

    /// Datagrams parsed on the UDP channel's loop, delivered on the signalling loop.
    fileprivate func received(_ batch: [(InboundMessage, SIPPeer)]) {
        // One loop for everything: deliver now; else one hop for the whole burst, its wait metered.
        guard !loop.inEventLoop, let meter = handOverMeter else { return deliverAll(batch) }
        let stamp = HandOverMeter.now()
        meter.handed(batch.count)
        loop.execute { [self] in
            meter.delivered(batch.count, handedAt: stamp)
            deliverAll(batch)
        }
    }

    /// Hands each message of a burst to the layers above (on the signalling loop).
    private func deliverAll(_ batch: [(InboundMessage, SIPPeer)]) {
        for (message, peer) in batch { deliver?(message, peer) }
    }
}

private final class UDPInboundHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    private unowned let transport: SocketTransport
    init(transport: SocketTransport) { self.transport = transport }

    /// Parsed datagrams of the current read burst.
    private var batch: [(InboundMessage, SIPPeer)] = []
    /// Screen answers written in this burst.
    private var needsFlush = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var buffer = envelope.data
        guard let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
        // Keep-alive CRLFs (RFC 5626 §3.5.1) carry nothing to answer.
        if bytes.allSatisfy({ $0 == 13 || $0 == 10 }) { return }
        let peer = SIPPeer(kind: .udp, address: envelope.remoteAddress)
        // The raw screen decides first; only what it leaves open is screened once parsed.
        let raw = transport.rawScreened(bytes)
        if case .pass? = raw {} else if let raw {
            reply(raw, to: envelope.remoteAddress, context: context)
            return
        }
        let inbound = InboundMessage(parsing: bytes)
        let verdict = raw == nil ? transport.screened(inbound, from: peer) : .pass
        if case .pass = verdict {
            batch.append((inbound, peer))
        } else {
            reply(verdict, to: envelope.remoteAddress, context: context)
        }
    }

    /// Sends a screen's answer (flushed at the end of the burst); `.drop` sends nothing.
    private func reply(_ verdict: ScreenVerdict, to address: SocketAddress, context: ChannelHandlerContext) {
        guard case .answer(let answer) = verdict else { return }
        var buffer = context.channel.allocator.buffer(capacity: answer.count)
        buffer.writeBytes(answer)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: address, data: buffer)), promise: nil)
        needsFlush = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        guard !batch.isEmpty else { return }
        let messages = batch
        batch = []
        transport.received(messages)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable and friends surface here on UDP; the socket stays usable.
    }
}

private final class TCPInboundHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = [UInt8]
    private unowned let transport: SocketTransport
    private let outbound: Bool
    init(transport: SocketTransport, outbound: Bool) {
        self.transport = transport
        self.outbound = outbound
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Accepted channels are already active when their handlers are added.
        if context.channel.isActive { transport.connectionOpened(context.channel, outbound: outbound) }
    }

    func channelActive(context: ChannelHandlerContext) {
        transport.connectionOpened(context.channel, outbound: outbound)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        transport.connectionClosed(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let remote = context.channel.remoteAddress else { return }
        transport.messageReceived(on: context.channel)
        transport.received(unwrapInboundIn(data), from: SIPPeer(kind: .tcp, address: remote))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
