import NIOCore

/// Moves SIP messages between the server and the network: the sockets
/// (`SocketTransport`), or memory in tests (TelefoniaTesting's `MemoryTransport`).
/// Everything happens on `loop`, the signalling event loop: received messages are
/// delivered there, and `send` is called there.
public protocol SIPTransport: AnyObject, Sendable {
    /// The signalling event loop the transport delivers on.
    var loop: any EventLoop { get }
    /// The port written in our Via and Contact headers (the bound one once started).
    var localPort: Int { get }
    /// Starts receiving; every whole message goes to `deliver` with where it came from.
    func start(deliver: @escaping ([UInt8], SIPPeer) -> Void) -> EventLoopFuture<Void>
    /// Sends one serialised message.
    func send(_ bytes: [UInt8], to peer: SIPPeer)
    /// Closes every socket or connection.
    func stop() -> EventLoopFuture<Void>
    /// Keeps the connection `peer` came over open for `seconds` (a registration is bound to it).
    func markBound(_ peer: SIPPeer, seconds: Int)
}

extension SIPTransport {
    /// Says a registration is bound to the connection `peer` came over, for `seconds`:
    /// a connection-oriented transport keeps it open that long even when idle. No-op by default.
    public func markBound(_ peer: SIPPeer, seconds: Int) {}
}
