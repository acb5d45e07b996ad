import NIOCore
import NIOEmbedded
import TelefoniaSIP

/// A SIP transport in memory, like SwiftNIO's `EmbeddedChannel`: a test delivers
/// inbound messages (`deliverInbound`) and reads what the server sent
/// (`readOutbound`), all on an `EmbeddedEventLoop` whose time only moves when the test
/// advances it. `finish()` returns what was sent and never read, so a test can say
/// that nothing unexpected left the server.
public final class MemoryTransport: SIPTransport, @unchecked Sendable {
    /// One message the server sent, and where to.
    public struct Sent: Sendable {
        public var message: SIPMessage
        public var peer: SIPPeer
    }

    public let loop: any EventLoop
    private let embedded: EmbeddedEventLoop
    public let localPort: Int
    private var deliver: ((InboundMessage, SIPPeer) -> Void)?
    private var outbound: [Sent] = []
    /// Messages the server sent that did not parse (a bug in the server: a test should find none).
    public private(set) var unparseable: [[UInt8]] = []
    public private(set) var isStarted = false

    public init(loop: EmbeddedEventLoop, port: Int = 5060) {
        self.loop = loop
        self.embedded = loop
        self.localPort = port
    }

    public func start(deliver: @escaping (InboundMessage, SIPPeer) -> Void) -> EventLoopFuture<Void> {
        self.deliver = deliver
        isStarted = true
        return loop.makeSucceededVoidFuture()
    }

    public func send(_ bytes: [UInt8], to peer: SIPPeer) {
        do {
            outbound.append(Sent(message: try SIPParser.parse(bytes), peer: peer))
        } catch {
            unparseable.append(bytes)
        }
    }

    public func stop() -> EventLoopFuture<Void> {
        isStarted = false
        return loop.makeSucceededVoidFuture()
    }

    /// Hands the server one message as if it arrived from `peer`, and runs what it set off.
    public func deliverInbound(_ message: SIPMessage, from peer: SIPPeer) {
        deliverInbound(message.serialized(), from: peer)
    }

    /// Hands the server raw bytes (malformed input included) from `peer`.
    public func deliverInbound(_ bytes: [UInt8], from peer: SIPPeer) {
        precondition(isStarted, "the server has not started its transport")
        deliver?(InboundMessage(parsing: bytes), peer)
        embedded.run()
    }

    /// The oldest message sent and not yet read.
    public func readOutbound() -> Sent? {
        outbound.isEmpty ? nil : outbound.removeFirst()
    }

    /// The oldest unread message that matches, leaving the others in order.
    public func readOutbound(where matches: (Sent) -> Bool) -> Sent? {
        guard let index = outbound.firstIndex(where: matches) else { return nil }
        return outbound.remove(at: index)
    }

    /// Messages sent and not yet read, without consuming them.
    public var pending: [Sent] { outbound }

    /// Everything sent and never read; the transport is empty afterwards.
    public func finish() -> [Sent] {
        defer { outbound.removeAll() }
        return outbound
    }
}
