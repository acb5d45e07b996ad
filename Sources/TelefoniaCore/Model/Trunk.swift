/// A carrier connection for calls to and from the public network (T3).
public struct Trunk: Sendable, Equatable, Codable, Identifiable {
    public var id: String
    public var host: String
    public var port: Int
    /// "udp" or "tcp".
    public var transport: String
    /// Optional digest credentials if the carrier challenges our INVITEs.
    public var username: String?
    public var password: String?
    /// Calls at once through the trunk, both ways (the channels the carrier sold); nil: no limit.
    /// A call beyond it is refused 503 and campaigns pace below it.
    public var maxCalls: Int?

    /// A carrier's host name or IPv4 address, without a port.
    public static func isValidHost(_ host: String) -> Bool {
        !host.isEmpty && host.utf8.count <= 253 && !host.contains(where: { $0 == " " || $0 == ":" || $0 == "/" })
    }

    public init(id: String, host: String, port: Int = 5060, transport: String = "udp", username: String? = nil, password: String? = nil,
                maxCalls: Int? = nil) {
        self.id = id
        self.maxCalls = maxCalls
        self.host = host
        self.port = port
        self.transport = transport
        self.username = username
        self.password = password
    }
}
