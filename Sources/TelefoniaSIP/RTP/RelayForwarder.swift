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
        /// A channel of the server this side's phone talks to instead of the other side
        /// (`divert`): its packets go there, and what comes from there goes to the phone.
        var diversion: SocketAddress?
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

    /// Forgets everything of the last call (addresses, latches, counters, taps) before a reuse.
    func reset() {
        state.withLockedValue { $0 = State() }
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

    /// Like `setRemote`, latched at once to that address: packets from anywhere else on
    /// that side are dropped from now on.
    func pin(_ side: LegSide, host: String, port: Int) {
        let address = usableAddress(host: host, port: port, side: side)
        state.withLockedValue { state in
            state[side].announced = address
            state[side].latched = address
        }
        logger.debug("media pinned", metadata: ["tel.leg": "\(side.rawValue)", "tel.rtp_remote": "\(host):\(port)"])
    }

    /// Sends what `side`'s phone sends to the server's own socket at `host:port` instead
    /// of the other side (out of the other side's port), and relays what comes back from
    /// that socket to the phone; nil ends the diversion. In-call features (P5) put each
    /// phone of a call on a channel of the server this way, without a re-INVITE.
    func divert(_ side: LegSide, host: String?, port: Int) {
        let address = host.flatMap { try? SocketAddress(ipAddress: $0, port: port) }
        state.withLockedValue { $0[side].diversion = address }
        logger.debug("media diverted", metadata: ["tel.leg": "\(side.rawValue)", "to": "\(address.map { "\($0)" } ?? "-")"])
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
            let other: LegSide = side == .a ? .b : .a
            if let diversion = state[other].diversion, diversion == source {
                // The server's channel for the other side's phone, sending through this port.
                guard let channel = state[other].channel, let destination = state[other].latched ?? state[other].announced else {
                    return nil
                }
                return (channel, destination, [], [])
            }
            if let latched = state[side].latched, latched != source {
                // Once latched, packets from elsewhere are not this leg's: relaying
                // them would let anyone who guesses the port inject audio — except from
                // the address the leg's SDP names, which always takes over (the phone
                // that won a ring-all race, after the loser's first packets latched).
                guard source == state[side].announced else { return nil }
                state[side].latched = source
                newlyLatched = true
            } else if state[side].latched == nil {
                state[side].latched = source
                newlyLatched = true
            }
            state.lastActivityMillis = now
            state[side].received += 1
            if let diversion = state[side].diversion, let channel = state[other].channel {
                // Taps still hear the phone (recording, digits); nothing rewrites what the server takes.
                return (channel, diversion, state.taps, [])
            }
            // A diverted phone hears only the server's channel.
            guard state[other].diversion == nil, let channel = state[other].channel,
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
final class RelayHandler: ChannelInboundHandler {
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
