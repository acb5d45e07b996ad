import Logging
import NIOCore

/// Limits on TCP connections (a stalled or idle connection must not hold a file
/// descriptor forever): what `SocketTransport` enforces.
public struct TCPLimits: Sendable, Equatable {
    /// `sip.tcp_message_timeout`: seconds a message may take from its first byte to its last.
    public var messageTimeout: Int
    /// `sip.tcp_idle_timeout`: seconds a connection may go without a complete message,
    /// unless a registration is bound to it or we opened it.
    public var idleTimeout: Int
    /// `sip.tcp_max_per_address`: open connections one source address may have.
    public var maxPerAddress: Int

    public init(messageTimeout: Int = 10, idleTimeout: Int = 120, maxPerAddress: Int = 256) {
        self.messageTimeout = messageTimeout
        self.idleTimeout = idleTimeout
        self.maxPerAddress = maxPerAddress
    }
}

/// The TCP connections of a `SocketTransport`, on its loop: who is connected, since
/// when, whether a message is half-read, whether a registration keeps the connection.
/// A sweep each second closes a connection whose message stalled past the message
/// timeout, or that stayed idle past the idle timeout with no registration bound to it
/// (connections we opened ourselves, to phones or trunks, are kept). New connections
/// beyond the per-address cap are refused at once.
final class TCPConnections {
    private struct Connection {
        var channel: any Channel
        var openedAt: NIODeadline
        var lastMessageAt: NIODeadline
        var partialSince: NIODeadline?
        var boundUntil: NIODeadline?
        var outbound: Bool
    }

    private let limits: TCPLimits
    private let logger: Logger
    private var connections: [SocketAddress: Connection] = [:]
    private var perHost: [String: Int] = [:]
    private var lastRefusalLog: [String: NIODeadline] = [:]

    init(limits: TCPLimits, logger: Logger) {
        self.limits = limits
        self.logger = logger
    }

    var count: Int { connections.count }

    var channels: [any Channel] { connections.values.map(\.channel) }

    func channel(for address: SocketAddress) -> (any Channel)? { connections[address]?.channel }

    /// Whether a connection from `address` may be accepted; logs the first refusal per address a minute.
    func admits(_ address: SocketAddress) -> Bool {
        let host = address.ipAddress ?? "?"
        guard perHost[host, default: 0] >= limits.maxPerAddress else { return true }
        let now = NIODeadline.now()
        if lastRefusalLog[host].map({ now - $0 > .seconds(60) }) ?? true {
            lastRefusalLog[host] = now
            logger.warning("TCP connection refused: too many from one address", metadata: [
                "source": "\(host)", "max": "\(limits.maxPerAddress)",
            ])
        }
        return false
    }

    func opened(_ channel: any Channel, outbound: Bool) {
        guard let remote = channel.remoteAddress, connections[remote]?.channel !== channel else { return }
        let now = NIODeadline.now()
        if connections[remote] == nil { perHost[remote.ipAddress ?? "?", default: 0] += 1 }
        connections[remote] = Connection(channel: channel, openedAt: now, lastMessageAt: now, outbound: outbound)
    }

    func closed(_ channel: any Channel) {
        guard let remote = channel.remoteAddress, let connection = connections[remote], connection.channel === channel else { return }
        connections[remote] = nil
        let host = remote.ipAddress ?? "?"
        let left = perHost[host, default: 1] - 1
        perHost[host] = left > 0 ? left : nil
    }

    /// The stream decoder's state after a read: a message begun and not finished, or none.
    func partial(_ channel: any Channel, pending: Bool) {
        guard let remote = channel.remoteAddress, connections[remote]?.channel === channel else { return }
        if !pending {
            connections[remote]?.partialSince = nil
        } else if connections[remote]?.partialSince == nil {
            connections[remote]?.partialSince = .now()
        }
    }

    func messageReceived(_ channel: any Channel) {
        guard let remote = channel.remoteAddress, connections[remote]?.channel === channel else { return }
        connections[remote]?.lastMessageAt = .now()
    }

    /// A registration is bound to the connection from `address` for `seconds`.
    func bind(_ address: SocketAddress, seconds: Int) {
        connections[address]?.boundUntil = .now() + .seconds(Int64(seconds))
    }

    /// Closes stalled and idle connections (called every second).
    func sweep() {
        let now = NIODeadline.now()
        let messageLimit = TimeAmount.seconds(Int64(limits.messageTimeout))
        let idleLimit = TimeAmount.seconds(Int64(limits.idleTimeout))
        var stalled = 0
        var idle = 0
        for connection in connections.values {
            if let since = connection.partialSince, now - since > messageLimit {
                stalled += 1
                connection.channel.close(promise: nil)
            } else if !connection.outbound, connection.boundUntil.map({ $0 < now }) ?? true,
                      now - connection.lastMessageAt > idleLimit {
                idle += 1
                connection.channel.close(promise: nil)
            }
        }
        if stalled + idle > 0 {
            logger.info("TCP connections closed", metadata: ["stalled": "\(stalled)", "idle": "\(idle)"])
        }
        // Refusals are logged once a minute per address; older marks are not needed (many addresses must not grow it).
        if !lastRefusalLog.isEmpty { lastRefusalLog = lastRefusalLog.filter { now - $0.value <= .seconds(60) } }
    }
}
