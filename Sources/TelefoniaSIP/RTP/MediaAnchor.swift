import NIOCore
import TelefoniaCore

/// Where the B2BUA anchors a call's media: two ports per call, and single ports for
/// media the server terminates. `MediaRelay` (UDP sockets, RTP forwarded) in the
/// server; TelefoniaTesting's `MemoryMediaAnchor` for signalling tests without sockets.
public protocol MediaAnchor: Sendable {
    /// The two ports of a new call, completed on `loop`.
    func allocate(on loop: any EventLoop) -> EventLoopFuture<any AnchoredMedia>
    /// An even port (and its RTCP partner) for a server-terminated stream; nil when none is free.
    func reservePort() -> Int?
    /// Gives back a port from `reservePort()`.
    func releasePort(_ port: Int)
    /// How many more calls could get their two ports now: a new INVITE is refused
    /// with 503 at once when this is 0 (before any lookup or leg).
    var freeSessions: Int { get }
}

extension MediaAnchor {
    public var freeSessions: Int { .max }
}

/// The anchored media of one call, from allocation to `close()`.
public protocol AnchoredMedia: AnyObject, Sendable {
    /// Port the A leg (caller) sends to: in the SDP sent to A.
    var aPort: Int { get }
    /// Port the B leg sends to: in the SDP sent to B.
    var bPort: Int { get }
    /// Where to send `side`'s media, from that side's SDP (latching may replace it).
    func setRemote(_ side: LegSide, host: String, port: Int)
    /// Sends `side`'s media to this address and takes that side's media only from it (no
    /// latching): two relays chained by an attended transfer, while the party that left
    /// may still be sending.
    func pin(_ side: LegSide, host: String, port: Int)
    /// Unix ms of the last packet from either side (0 = none yet): the media timeout reads it.
    var lastActivityMillis: Int64 { get }
    /// Frees the ports.
    @discardableResult func close() -> EventLoopFuture<Void>
}

extension AnchoredMedia {
    /// Media that does not latch pins by setting the remote.
    public func pin(_ side: LegSide, host: String, port: Int) { setRemote(side, host: host, port: port) }
}

extension MediaRelay: MediaAnchor {
    public var freeSessions: Int { freePairs / 2 }

    public func allocate(on loop: any EventLoop) -> EventLoopFuture<any AnchoredMedia> {
        session(on: loop).map { $0 as any AnchoredMedia }
    }
}

extension RelaySession: AnchoredMedia {}
