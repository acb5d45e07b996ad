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
        /// Bound pairs of finished calls, oldest first, kept for the next calls.
        var pool = CircularBuffer<PooledPair>()
    }

    /// Two bound channels (and their forwarder) of a finished call, kept open: binding
    /// and closing two sockets per call cost the media threads more than relaying did
    /// at 1,000 calls/s. A pair rests `poolRest` before reuse, so late packets of the
    /// old call are not latched by the next one.
    private struct PooledPair {
        var aPort: Int
        var bPort: Int
        var aChannel: any Channel
        var bChannel: any Channel
        var forwarder: RelayForwarder
        var releasedAt: Int64
    }

    /// How many finished pairs stay bound for reuse.
    let poolLimit: Int
    /// How long (ms) a finished pair rests before a new call gets it (unless ports ran out).
    let poolRest: Int64

    /// A relay binding its ports on `bindHost` (an IP literal, e.g. the
    /// server's public address or `0.0.0.0`) within `portRange`.
    public init(
        group: any EventLoopGroup,
        bindHost: String,
        portRange: ClosedRange<Int>,
        logger: Logger,
        clock: any WallClock = SystemWallClock(),
        poolLimit: Int = 2048,
        poolRestMillis: Int64 = 1000
    ) {
        precondition(portRange.lowerBound >= 1 && portRange.upperBound <= 65_535, "RTP port range \(portRange) is not within 1...65535")
        self.group = group
        self.bindHost = bindHost
        self.portRange = portRange
        self.logger = logger
        self.clock = clock
        self.poolLimit = poolLimit
        self.poolRest = poolRestMillis
        self.state = NIOLockedValueBox(State(allocator: PortAllocator(range: portRange)))
    }

    /// RTP/RTCP port pairs not handed out (ports other processes hold count as free).
    public var freePairs: Int {
        state.withLockedValue { $0.allocator.capacity - $0.allocator.reservedCount + 2 * $0.pool.count }
    }

    /// Finished pairs kept bound for reuse.
    public var pooledSessions: Int { state.withLockedValue { $0.pool.count } }

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
        if let pair = reusablePair() {
            return pair.aChannel.eventLoop.makeSucceededFuture(session(for: pair))
        }
        return bindSession()
    }

    /// A session on `loop`: a rested pooled pair without leaving the caller's thread, else new sockets.
    func session(on loop: any EventLoop) -> EventLoopFuture<RelaySession> {
        if let pair = reusablePair() {
            return loop.makeSucceededFuture(session(for: pair))
        }
        return bindSession().hop(to: loop)
    }

    private func bindSession() -> EventLoopFuture<RelaySession> {
        // Both channels on one loop: forwarding then never crosses threads.
        let loop = group.next()
        let forwarder = RelayForwarder(clock: clock, logger: logger)
        let attempts = state.withLockedValue { $0.allocator.capacity }

        return bind(.a, forwarder: forwarder, on: loop, attemptsLeft: attempts).flatMap { a in
            self.bind(.b, forwarder: forwarder, on: loop, attemptsLeft: attempts).flatMapError { error in
                self.state.withLockedValue { $0.allocator.release(a.port) }
                return a.channel.close().recover { _ in }.flatMapThrowing { throw error }
            }.map { b in
                self.state.withLockedValue { $0.activeSessions += 1 }
                return self.session(for: PooledPair(
                    aPort: a.port, bPort: b.port, aChannel: a.channel, bChannel: b.channel, forwarder: forwarder, releasedAt: 0))
            }
        }.flatMapError { error in
            // Out of ports with rested-too-little pairs pooled: reuse the oldest rather than refuse.
            guard let pair = self.reusablePair(evenUnrested: true) else { return loop.makeFailedFuture(error) }
            return loop.makeSucceededFuture(self.session(for: pair))
        }
    }

    /// The oldest pooled pair if it rested long enough (or any when `evenUnrested`), counted active.
    private func reusablePair(evenUnrested: Bool = false) -> PooledPair? {
        let now = clock.nowMillis()
        return state.withLockedValue { state -> PooledPair? in
            guard let oldest = state.pool.first, evenUnrested || now - oldest.releasedAt >= poolRest else { return nil }
            state.activeSessions += 1
            return state.pool.removeFirst()
        }
    }

    /// A session over a freshly bound or pooled pair.
    private func session(for pair: PooledPair) -> RelaySession {
        pair.forwarder.reset()
        pair.forwarder.attach(a: pair.aChannel, b: pair.bChannel)
        var sessionLogger = logger
        sessionLogger[metadataKey: "tel.rtp_ports"] = "\(pair.aPort)/\(pair.bPort)"
        let logger = sessionLogger
        logger.debug("media relay session allocated")
        return RelaySession(
            aPort: pair.aPort, bPort: pair.bPort, aChannel: pair.aChannel, bChannel: pair.bChannel, forwarder: pair.forwarder,
            recycle: { [clock] in
                // Kept bound for a later call unless the pool is full.
                var pooled = pair
                pooled.releasedAt = clock.nowMillis()
                let kept = self.state.withLockedValue { state -> Bool in
                    guard state.pool.count < self.poolLimit else { return false }
                    state.pool.append(pooled)
                    state.activeSessions -= 1
                    return true
                }
                if kept { logger.debug("media relay session pooled") }
                return kept
            },
            onClosed: {
                self.state.withLockedValue {
                    $0.allocator.release(pair.aPort)
                    $0.allocator.release(pair.bPort)
                    $0.activeSessions -= 1
                }
                logger.debug("media relay session closed")
            })
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
