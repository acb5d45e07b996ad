import NIOCore

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
