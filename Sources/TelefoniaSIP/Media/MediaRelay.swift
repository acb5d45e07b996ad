import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TelefoniaCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Anchors the RTP of calls on the server: each call gets a `RelaySession`, two
/// UDP ports (one facing each leg) between which packets are copied.
///
/// The relay is transparent: sequence numbers, timestamps, SSRC and payload type
/// pass unchanged, so the phones' own jitter buffers, DTMF (RFC 4733) and
/// RTCP-less loss detection keep working end to end. That is why media does not
/// go through libortp's RTP sessions: their jitter buffer and re-timestamping
/// would add delay and rewrite the very headers the far end relies on.
public final class MediaRelay: Sendable {
    private let group: any EventLoopGroup
    private let bindHost: String
    private let portRange: ClosedRange<Int>
    private let logger: Logger
    private let clock: any WallClock
    private let state: NIOLockedValueBox<State>

    private struct State {
        var allocator: PortAllocator
        var activeSessions = 0
    }

    /// A relay binding its ports on `bindHost` (an IP literal, e.g. the
    /// server's public address or `0.0.0.0`) within `portRange`.
    public init(
        group: any EventLoopGroup,
        bindHost: String,
        portRange: ClosedRange<Int>,
        logger: Logger,
        clock: any WallClock = SystemWallClock()
    ) {
        precondition(portRange.lowerBound >= 1 && portRange.upperBound <= 65_535, "RTP port range \(portRange) is not within 1...65535")
        self.group = group
        self.bindHost = bindHost
        self.portRange = portRange
        self.logger = logger
        self.clock = clock
        self.state = NIOLockedValueBox(State(allocator: PortAllocator(range: portRange)))
    }

    /// Sessions allocated and not yet closed.
    public var activeSessions: Int { state.withLockedValue { $0.activeSessions } }

    /// Reserves an even port (and its RTCP partner) for media the server terminates
    /// itself (an oRTP session binds it); nil when the range is exhausted.
    public func reservePort() -> Int? {
        state.withLockedValue { $0.allocator.reserve() }
    }

    /// Gives back a port from `reservePort()`.
    public func releasePort(_ port: Int) {
        state.withLockedValue { $0.allocator.release(port) }
    }

    /// Binds two even RTP ports from the range (one facing each leg), skipping
    /// ports another process holds; fails with `MediaRelayError` when the range
    /// is exhausted.
    public func allocate() -> EventLoopFuture<RelaySession> {
        // Both channels on one loop: forwarding then never crosses threads.
        let loop = group.next()
        let forwarder = RelayForwarder(clock: clock, logger: logger)
        let attempts = state.withLockedValue { $0.allocator.capacity }

        return bind(.a, forwarder: forwarder, on: loop, attemptsLeft: attempts).flatMap { a in
            self.bind(.b, forwarder: forwarder, on: loop, attemptsLeft: attempts).flatMapError { error in
                self.state.withLockedValue { $0.allocator.release(a.port) }
                return a.channel.close().recover { _ in }.flatMapThrowing { throw error }
            }.map { b in
                forwarder.attach(a: a.channel, b: b.channel)
                self.state.withLockedValue { $0.activeSessions += 1 }
                var sessionLogger = self.logger
                sessionLogger[metadataKey: "tel.rtp_ports"] = "\(a.port)/\(b.port)"
                let logger = sessionLogger
                logger.debug("media relay session allocated")
                return RelaySession(aPort: a.port, bPort: b.port, aChannel: a.channel, bChannel: b.channel, forwarder: forwarder) {
                    self.state.withLockedValue {
                        $0.allocator.release(a.port)
                        $0.allocator.release(b.port)
                        $0.activeSessions -= 1
                    }
                    logger.debug("media relay session closed")
                }
            }
        }
    }

    private func bind(
        _ side: LegSide,
        forwarder: RelayForwarder,
        on loop: any EventLoop,
        attemptsLeft: Int
    ) -> EventLoopFuture<(port: Int, channel: any Channel)> {
        guard attemptsLeft > 0, let port = state.withLockedValue({ $0.allocator.reserve() }) else {
            return loop.makeFailedFuture(MediaRelayError.portRangeExhausted(portRange, host: bindHost))
        }
        guard let bootstrap = DatagramBootstrap(validatingGroup: loop) else {
            state.withLockedValue { $0.allocator.release(port) }
            return loop.makeFailedFuture(
                MediaRelayError.bindFailed(host: bindHost, port: port, underlying: ChannelError.operationUnsupported)
            )
        }
        let logger = self.logger
        // No SO_REUSEADDR: on Linux it would let two UDP sockets share a port,
        // and a port another process holds must fail to bind so it is skipped.
        return bootstrap
            .channelOption(.maxMessagesPerRead, value: 16)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RelayHandler(side: side, forwarder: forwarder, logger: logger)
                    )
                }
            }
            .bind(host: bindHost, port: port)
            .map { (port: port, channel: $0) }
            .flatMapError { error in
                self.state.withLockedValue { $0.allocator.release(port) }
                guard let ioError = error as? IOError, ioError.errnoCode == EADDRINUSE || ioError.errnoCode == EACCES else {
                    return loop.makeFailedFuture(MediaRelayError.bindFailed(host: self.bindHost, port: port, underlying: error))
                }
                logger.trace("RTP port in use, trying the next", metadata: ["tel.rtp_port": "\(port)"])
                return self.bind(side, forwarder: forwarder, on: loop, attemptsLeft: attemptsLeft - 1)
            }
    }
}

// MARK: - Errors

/// Why the media relay could not give a call its ports.
public struct MediaRelayError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case portRangeExhausted
        case bindFailed
    }

    private let code: Code
    /// What happened and what to do about it.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Every RTP port pair of the range is in use (by calls or other processes).
    public static let portRangeExhausted = MediaRelayError(.portRangeExhausted, "no free RTP port pair")

    /// A port could not be bound for a reason other than being in use.
    public static let bindFailed = MediaRelayError(.bindFailed, "cannot bind RTP port")

    static func portRangeExhausted(_ range: ClosedRange<Int>, host: String) -> MediaRelayError {
        MediaRelayError(
            .portRangeExhausted,
            "no free RTP port pair in \(range.lowerBound)-\(range.upperBound) on \(host): "
                + "widen the media port range or lower the number of concurrent calls"
        )
    }

    static func bindFailed(host: String, port: Int, underlying: any Error) -> MediaRelayError {
        MediaRelayError(.bindFailed, "cannot bind RTP port \(host):\(port) (\(underlying)): check the media bind address")
    }

    /// Errors are equal when they are of the same kind, whatever their message.
    public static func == (lhs: MediaRelayError, rhs: MediaRelayError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String { message }
}

// MARK: - Session

/// The relay ports of one call, from `MediaRelay.allocate()` until `close()`.
public final class RelaySession: Sendable {
    /// Port the A leg (caller) sends to: put it in the SDP sent to A.
    public let aPort: Int
    /// Port the B leg sends to: put it in the SDP sent to B.
    public let bPort: Int

    private let aChannel: any Channel
    private let bChannel: any Channel
    private let forwarder: RelayForwarder
    private let onClosed: @Sendable () -> Void
    private let closing = NIOLockedValueBox<EventLoopFuture<Void>?>(nil)

    fileprivate init(
        aPort: Int,
        bPort: Int,
        aChannel: any Channel,
        bChannel: any Channel,
        forwarder: RelayForwarder,
        onClosed: @escaping @Sendable () -> Void
    ) {
        self.aPort = aPort
        self.bPort = bPort
        self.aChannel = aChannel
        self.bChannel = bChannel
        self.forwarder = forwarder
        self.onClosed = onClosed
    }

    /// Where to send media for `side`, from that side's SDP. The source address
    /// of the first packet then received from that side replaces it (symmetric
    /// RTP, RFC 4961 / "latching"), so phones behind NAT, whose SDP names a
    /// private address, still hear audio. A call with a different address than
    /// before (a re-INVITE) allows one new latch; `0.0.0.0` (hold) stops
    /// sending until the side sends again.
    public func setRemote(_ side: LegSide, host: String, port: Int) {
        forwarder.setRemote(side, host: host, port: port)
    }

    /// Unix time in ms of the last packet received from either side (0 = none yet).
    public var lastActivityMillis: Int64 { forwarder.lastActivityMillis }

    /// Packets forwarded in each direction.
    public var packetsRelayed: (aToB: Int, bToA: Int) { forwarder.packetsRelayed }

    /// Adds a tap that sees every packet the relay forwards (recording, listening).
    func add(tap: any RelayTap) { forwarder.add(tap: tap) }
    func remove(tap: any RelayTap) { forwarder.remove(tap: tap) }
    /// Adds a rewriter that may change the audio of forwarded packets (whisper, barge).
    func add(rewriter: any RelayRewriter) { forwarder.add(rewriter: rewriter) }
    func remove(rewriter: any RelayRewriter) { forwarder.remove(rewriter: rewriter) }

    /// A session the B2BUA forgot to close must not hold its ports forever.
    deinit {
        guard closing.withLockedValue({ $0 == nil }) else { return }
        forwarder.detach()
        let onClosed = self.onClosed
        aChannel.close().recover { _ in }
            .and(bChannel.close().recover { _ in })
            .whenComplete { _ in onClosed() }
    }

    /// Closes both ports and gives them back to the relay; calling it again
    /// returns the same future.
    public func close() -> EventLoopFuture<Void> {
        let (future, promise) = closing.withLockedValue { closing -> (EventLoopFuture<Void>, EventLoopPromise<Void>?) in
            if let closing { return (closing, nil) }
            let promise = aChannel.eventLoop.makePromise(of: Void.self)
            closing = promise.futureResult
            return (promise.futureResult, promise)
        }
        guard let promise else { return future }
        forwarder.detach()
        // Ports go back only once the sockets are really closed, so the next
        // allocate() can bind them.
        aChannel.close().recover { _ in }
            .and(bChannel.close().recover { _ in })
            .whenComplete { _ in
                self.onClosed()
                promise.succeed(())
            }
        return future
    }
}

// MARK: - Forwarding

/// The shared state of one session's two channels: where each side is, and
/// counters read from other threads. A lock, not loop-bound state, because
/// `setRemote` and the counters are used off the event loop; it is uncontended
/// on the packet path.
/// Sees every RTP packet a relay accepts from a leg (call recording, listening).
/// Called on the relay's event loop; must not block.
protocol RelayTap: AnyObject, Sendable {
    func relayed(from side: LegSide, packet: ByteBuffer)
}

/// May change a packet's audio on its way through the relay (whisper, barge).
/// Called on the relay's event loop; returns the packet to forward.
protocol RelayRewriter: AnyObject, Sendable {
    func rewrite(from side: LegSide, packet: ByteBuffer) -> ByteBuffer
}

final class RelayForwarder: Sendable {
    private struct Side {
        /// From SDP; nil when unknown, on hold or unusable.
        var announced: SocketAddress?
        /// The source of this side's packets since the last SDP change.
        var latched: SocketAddress?
        var received = 0
        var forwarded = 0
        var channel: (any Channel)?
    }

    private struct State {
        var a = Side()
        var b = Side()
        var lastActivityMillis: Int64 = 0
        var taps: [any RelayTap] = []
        var rewriters: [any RelayRewriter] = []

        subscript(side: LegSide) -> Side {
            get { side == .a ? a : b }
            set { if side == .a { a = newValue } else { b = newValue } }
        }
    }

    private let state = NIOLockedValueBox(State())
    private let clock: any WallClock
    private let logger: Logger

    init(clock: any WallClock, logger: Logger) {
        self.clock = clock
        self.logger = logger
    }

    func attach(a: any Channel, b: any Channel) {
        state.withLockedValue {
            $0.a.channel = a
            $0.b.channel = b
        }
    }

    /// Breaks the channel ↔ handler ↔ forwarder cycle and stops forwarding.
    func detach() {
        state.withLockedValue {
            $0.a.channel = nil
            $0.b.channel = nil
        }
    }

    var lastActivityMillis: Int64 { state.withLockedValue { $0.lastActivityMillis } }

    func add(tap: any RelayTap) { state.withLockedValue { $0.taps.append(tap) } }
    func remove(tap: any RelayTap) { state.withLockedValue { $0.taps.removeAll { $0 === tap } } }
    func add(rewriter: any RelayRewriter) { state.withLockedValue { $0.rewriters.append(rewriter) } }
    func remove(rewriter: any RelayRewriter) { state.withLockedValue { $0.rewriters.removeAll { $0 === rewriter } } }

    var packetsRelayed: (aToB: Int, bToA: Int) {
        state.withLockedValue { (aToB: $0.a.forwarded, bToA: $0.b.forwarded) }
    }

    func setRemote(_ side: LegSide, host: String, port: Int) {
        let address = usableAddress(host: host, port: port, side: side)
        state.withLockedValue { state in
            guard state[side].announced != address else { return }
            state[side].announced = address
            state[side].latched = nil
        }
        logger.debug(
            "media remote set",
            metadata: ["tel.leg": "\(side.rawValue)", "tel.rtp_remote": "\(host):\(port)"]
        )
    }

    private func usableAddress(host: String, port: Int, side: LegSide) -> SocketAddress? {
        guard (1...65_535).contains(port), let address = try? SocketAddress(ipAddress: host, port: port) else {
            return nil
        }
        // 0.0.0.0 is old-style hold (RFC 3264 §8.4): nothing to send to.
        if host == "0.0.0.0" || host == "::" { return nil }
        // A datagram write the socket cannot make (another address family)
        // would close the channel and end the call's media.
        let local = state.withLockedValue { $0[side].channel?.localAddress }
        if let local, local.protocol != address.protocol { return nil }
        return address
    }

    /// Called on the event loop for each packet that arrived from `side`:
    /// where to send it, or nil to drop it.
    /// Where a packet from `side` goes, and the taps and rewriters it passes (read
    /// under the same lock, once per packet).
    typealias Route = (channel: any Channel, destination: SocketAddress, taps: [any RelayTap], rewriters: [any RelayRewriter])

    func route(from side: LegSide, source: SocketAddress) -> Route? {
        let now = clock.nowMillis()
        var newlyLatched = false
        let route = state.withLockedValue { state -> Route? in
            if let latched = state[side].latched {
                // Once latched, packets from elsewhere are not this leg's: relaying
                // them would let anyone who guesses the port inject audio.
                guard latched == source else { return nil }
            } else {
                state[side].latched = source
                newlyLatched = true
            }
            state.lastActivityMillis = now
            state[side].received += 1
            let other: LegSide = side == .a ? .b : .a
            guard let channel = state[other].channel,
                let destination = state[other].latched ?? state[other].announced
            else { return nil }
            state[side].forwarded += 1
            return (channel, destination, state.taps, state.rewriters)
        }
        if newlyLatched {
            logger.debug("media latched", metadata: ["tel.leg": "\(side.rawValue)", "tel.rtp_remote": "\(source)"])
        }
        return route
    }
}

/// Receives a leg's datagrams and writes the RTP ones, untouched, out of the
/// other leg's socket.
private final class RelayHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let side: LegSide
    private let forwarder: RelayForwarder
    private let logger: Logger

    init(side: LegSide, forwarder: RelayForwarder, logger: Logger) {
        self.side = side
        self.forwarder = forwarder
        self.logger = logger
    }

    /// The other leg's channel when it has writes not yet flushed: flushing once
    /// per read burst lets NIO send the burst with one sendmmsg.
    private var pendingFlush: (any Channel)?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        // RTP has a 12-byte fixed header whose first two bits are version 2
        // (RFC 3550 §5.1); anything else is noise or a probe, not media.
        guard envelope.data.readableBytes >= 12,
            let first = envelope.data.getInteger(at: envelope.data.readerIndex, as: UInt8.self),
            first >> 6 == 2
        else { return }
        guard let route = forwarder.route(from: side, source: envelope.remoteAddress) else { return }
        for tap in route.taps { tap.relayed(from: side, packet: envelope.data) }
        var data = envelope.data
        for rewriter in route.rewriters { data = rewriter.rewrite(from: side, packet: data) }
        // Both channels live on this event loop, so this write runs now.
        route.channel.write(AddressedEnvelope(remoteAddress: route.destination, data: data), promise: nil)
        pendingFlush = route.channel
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        pendingFlush?.flush()
        pendingFlush = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors surface as ECONNREFUSED on the next read; a phone that
        // hung up is not a reason to close the port.
        logger.trace("media socket error", metadata: ["tel.leg": "\(side.rawValue)", "error": "\(error)"])
    }
}
