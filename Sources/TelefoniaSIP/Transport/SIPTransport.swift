import NIOCore

/// Moves SIP messages between the server and the network: the sockets
/// (`SocketTransport`), or memory in tests (TelefoniaTesting's `MemoryTransport`).
/// The layers above run on `loop`, the signalling event loop: received messages are
/// delivered there, already parsed (a transport may parse on a thread of its own), and
/// `send` is called there.
public protocol SIPTransport: AnyObject, Sendable {
    /// The signalling event loop the transport delivers on.
    var loop: any EventLoop { get }
    /// The port written in our Via and Contact headers (the bound one once started).
    var localPort: Int { get }
    /// Starts receiving; every whole message goes to `deliver`, parsed, with where it came from.
    func start(deliver: @escaping (InboundMessage, SIPPeer) -> Void) -> EventLoopFuture<Void>
    /// Sends one serialised message.
    func send(_ bytes: [UInt8], to peer: SIPPeer)
    /// Closes every socket or connection.
    func stop() -> EventLoopFuture<Void>
    /// Keeps the connection `peer` came over open for `seconds` (a registration is bound to it).
    func markBound(_ peer: SIPPeer, seconds: Int)
    /// Whether the transport answers requests a screen refuses itself, before they reach
    /// the signalling loop (`screen(with:)` was given one).
    var screensAdmission: Bool { get }
    /// Gives the transport a screen run on every received message where it parses it:
    /// it may pass the message on, drop it, or answer it at once (statelessly). `raw`
    /// looks at the bytes first and may decide without a parse (`.pass` = parse it, and
    /// skip `screen`; nil = parse it and ask `screen`).
    func screen(raw: @escaping @Sendable ([UInt8]) -> ScreenVerdict?, with screen: @escaping @Sendable (SIPMessage, SIPPeer) -> ScreenVerdict)
    /// How long received messages wait for the signalling loop, where the transport hands
    /// them over from a thread of its own (nil: it delivers on the loop itself).
    var handOverMeter: HandOverMeter? { get }
}

extension SIPTransport {
    /// Says a registration is bound to the connection `peer` came over, for `seconds`:
    /// a connection-oriented transport keeps it open that long even when idle. No-op by default.
    public func markBound(_ peer: SIPPeer, seconds: Int) {}
    /// No screening by default: the dispatcher applies the admission gate itself.
    public var screensAdmission: Bool { false }
    public func screen(raw: @escaping @Sendable ([UInt8]) -> ScreenVerdict?, with screen: @escaping @Sendable (SIPMessage, SIPPeer) -> ScreenVerdict) {}
    public var handOverMeter: HandOverMeter? { nil }
}

/// A message as received: parsed, or the bytes that did not parse and why (answered 400
/// by the dispatcher when a response can be formed).
public enum InboundMessage: Sendable {
    case message(SIPMessage)
    case malformed([UInt8], SIPParseError)

    /// Parses one whole message.
    public init(parsing bytes: [UInt8]) {
        do {
            self = .message(try SIPParser.parse(bytes))
        } catch {
            self = .malformed(bytes, error)
        }
    }
}

/// What a transport's screen decides about a received message, before or after parsing it.
public enum ScreenVerdict: Sendable {
    /// On to the signalling loop.
    case pass
    /// Nowhere (the ACK of a 503 the screen sent).
    case drop
    /// Answered here with these bytes (a serialised response); the message goes no further.
    case answer([UInt8])
}
