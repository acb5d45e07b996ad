import Logging
import NIOCore
import NIOPosix

/// Where a SIP message came from or goes to: transport and socket address.
public struct SIPPeer: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case udp, tcp }
    public var kind: Kind
    public var address: SocketAddress

    public init(kind: Kind, address: SocketAddress) {
        self.kind = kind
        self.address = address
    }

    /// "udp:127.0.0.1:5070": the form kept in registrations.
    public var description: String { "\(kind.rawValue):\(address.ipAddress ?? "?"):\(address.port ?? 0)" }

    /// Parses the `description` form.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let kind = Kind(rawValue: String(parts[0])) else { return nil }
        let rest = parts[1]
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]) else { return nil }
        var host = String(rest[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let address = try? SocketAddress(ipAddress: host, port: port) else { return nil }
        self.init(kind: kind, address: address)
    }

    public var host: String { address.ipAddress ?? "0.0.0.0" }
    public var port: Int { address.port ?? 0 }
}

/// Receives what the transport reads; called on the transport's event loop.
protocol SIPTransportDelegate: AnyObject {
    func transport(received bytes: [UInt8], from peer: SIPPeer)
}

/// SIP over UDP and TCP on SwiftNIO. All channels live on one event loop, the
/// signalling loop, so the layers above run single-threaded without locks.
final class SIPTransport: @unchecked Sendable {
    let loop: any EventLoop
    private let logger: Logger
    weak var delegate: (any SIPTransportDelegate)?
    private var udp: (any Channel)?
    private var tcpServer: (any Channel)?
    private var tcpConnections: [SocketAddress: any Channel] = [:]
    private(set) var boundPort: Int = 0

    init(loop: any EventLoop, logger: Logger) {
        self.loop = loop
        self.logger = logger
    }

    /// Binds UDP and TCP on the same port (port 0 picks a free UDP port and uses it for TCP too).
    func start(host: String, port: Int) -> EventLoopFuture<Void> {
        let udpBootstrap = DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 * 1024 * 1024)
            // NIO reads datagrams into 2 KiB buffers by default and truncates longer
            // ones; SIP over UDP may be up to 64 KiB (RFC 3261 §18.1.1).
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: SIPParser.maxMessageSize + 1))
            .channelInitializer { [unowned self] channel in
                channel.pipeline.addHandler(UDPInboundHandler(transport: self))
            }
        return udpBootstrap.bind(host: host, port: port).flatMap { [unowned self] channel in
            self.udp = channel
            self.boundPort = channel.localAddress?.port ?? port
            let tcpBootstrap = ServerBootstrap(group: self.loop)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { [unowned self] child in
                    child.pipeline.addHandlers([
                        ByteToMessageHandler(SIPStreamDecoder()),
                        TCPInboundHandler(transport: self),
                    ])
                }
            return tcpBootstrap.bind(host: host, port: self.boundPort).map { server in
                self.tcpServer = server
            }
        }
    }

    func stop() -> EventLoopFuture<Void> {
        let channels: [any Channel] = [udp, tcpServer].compactMap { $0 } + Array(tcpConnections.values)
        let futures = channels.map { $0.close().recover { _ in } }
        return EventLoopFuture.andAllComplete(futures, on: loop)
    }

    /// Sends a message; over TCP it uses the connection the peer opened, or opens one.
    func send(_ bytes: [UInt8], to peer: SIPPeer) {
        loop.assertInEventLoop()
        switch peer.kind {
        case .udp:
            guard let udp else { return }
            var buffer = udp.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            udp.writeAndFlush(AddressedEnvelope(remoteAddress: peer.address, data: buffer), promise: nil)
        case .tcp:
            if let channel = tcpConnections[peer.address] {
                write(bytes, on: channel)
                return
            }
            ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { [unowned self] child in
                    child.pipeline.addHandlers([
                        ByteToMessageHandler(SIPStreamDecoder()),
                        TCPInboundHandler(transport: self),
                    ])
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

    private func write(_ bytes: [UInt8], on channel: any Channel) {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    fileprivate func connectionOpened(_ channel: any Channel) {
        if let remote = channel.remoteAddress { tcpConnections[remote] = channel }
    }

    fileprivate func connectionClosed(_ channel: any Channel) {
        if let remote = channel.remoteAddress, tcpConnections[remote] === channel { tcpConnections[remote] = nil }
    }

    fileprivate func deliver(_ bytes: [UInt8], from peer: SIPPeer) {
        delegate?.transport(received: bytes, from: peer)
    }
}

private final class UDPInboundHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private unowned let transport: SIPTransport
    init(transport: SIPTransport) { self.transport = transport }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var buffer = envelope.data
        guard let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
        // Keep-alive CRLFs (RFC 5626 §3.5.1) carry nothing to answer.
        if bytes.allSatisfy({ $0 == 13 || $0 == 10 }) { return }
        transport.deliver(bytes, from: SIPPeer(kind: .udp, address: envelope.remoteAddress))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable and friends surface here on UDP; the socket stays usable.
    }
}

private final class TCPInboundHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = [UInt8]
    private unowned let transport: SIPTransport
    init(transport: SIPTransport) { self.transport = transport }

    func channelActive(context: ChannelHandlerContext) {
        transport.connectionOpened(context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        transport.connectionClosed(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let remote = context.channel.remoteAddress else { return }
        transport.deliver(unwrapInboundIn(data), from: SIPPeer(kind: .tcp, address: remote))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Frames SIP messages on a stream (RFC 3261 §18.3): headers up to the blank
/// line, then exactly Content-Length bytes. A stream that cannot be framed is closed.
struct SIPStreamDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        // Skip keep-alive CRLFs between messages.
        while let b = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self), b == 13 || b == 10 {
            buffer.moveReaderIndex(forwardBy: 1)
        }
        guard let view = buffer.readableBytesView.firstRange(of: [13, 10, 13, 10]) else {
            if buffer.readableBytes > SIPParser.maxMessageSize { throw SIPParseError("headers too large on stream") }
            return .needMoreData
        }
        let headerLength = view.lowerBound - buffer.readerIndex
        let head = buffer.getBytes(at: buffer.readerIndex, length: headerLength) ?? []
        let length: Int
        if let text = SIPParser.rawContentLength(head[...]) {
            guard let n = Int(text), n >= 0, n <= SIPParser.maxMessageSize else { throw SIPParseError("bad Content-Length on stream") }
            length = n
        } else {
            length = 0
        }
        let total = headerLength + 4 + length
        guard buffer.readableBytes >= total else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(buffer.readBytes(length: total)!))
        return .continue
    }
}
