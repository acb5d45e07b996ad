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

/// The relay ports of one call, from `MediaRelay.allocate()` until `close()`.
public final class RelaySession: Sendable {
    /// Port the A leg (caller) sends to: put it in the SDP sent to A.
    public let aPort: Int
    /// Port the B leg sends to: put it in the SDP sent to B.
    public let bPort: Int

    private let aChannel: any Channel
    private let bChannel: any Channel
    private let forwarder: RelayForwarder
    /// Offers the channels back to the relay's pool; true when it kept them (open).
    private let recycle: @Sendable () -> Bool
    private let onClosed: @Sendable () -> Void
    private let closing = NIOLockedValueBox<EventLoopFuture<Void>?>(nil)

    init(
        aPort: Int,
        bPort: Int,
        aChannel: any Channel,
        bChannel: any Channel,
        forwarder: RelayForwarder,
        recycle: @escaping @Sendable () -> Bool = { false },
        onClosed: @escaping @Sendable () -> Void
    ) {
        self.aPort = aPort
        self.bPort = bPort
        self.aChannel = aChannel
        self.bChannel = bChannel
        self.forwarder = forwarder
        self.recycle = recycle
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

    public func pin(_ side: LegSide, host: String, port: Int) {
        forwarder.pin(side, host: host, port: port)
    }

    /// Puts `side`'s phone on the server's socket `host:port` (nil host: back to the other side).
    func divert(_ side: LegSide, host: String?, port: Int) {
        forwarder.divert(side, host: host, port: port)
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

    /// Gives both ports back to the relay, which keeps them bound for a later call or
    /// closes them; calling it again returns the same future.
    public func close() -> EventLoopFuture<Void> {
        let (future, promise) = closing.withLockedValue { closing -> (EventLoopFuture<Void>, EventLoopPromise<Void>?) in
            if let closing { return (closing, nil) }
            let promise = aChannel.eventLoop.makePromise(of: Void.self)
            closing = promise.futureResult
            return (promise.futureResult, promise)
        }
        guard let promise else { return future }
        forwarder.detach()
        if recycle() {
            promise.succeed(())
            return future
        }
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
