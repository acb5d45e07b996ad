/// One contact binding of a line (several per line all ring).
public struct Registration: Sendable, Equatable, Codable {
    public var tenantID: String
    public var extensionNumber: String
    /// Contact URI as the phone sent it.
    public var contact: String
    /// Where the REGISTER really came from ("udp:1.2.3.4:5060"): calls go there (NAT, RFC 3581).
    public var source: String
    /// Unix seconds when the binding expires.
    public var expiresAt: Int64
    public var userAgent: String?
    /// Call-ID of the REGISTER that made the binding.
    public var callID: String
    /// Round trip of the last OPTIONS keep-alive the phone answered, in ms (L2).
    public var latencyMs: Int?
    /// Unix ms of the last answer to a keep-alive.
    public var lastReplyAt: Int64?

    public init(tenantID: String, extensionNumber: String, contact: String, source: String, expiresAt: Int64, userAgent: String? = nil, callID: String,
                latencyMs: Int? = nil, lastReplyAt: Int64? = nil) {
        self.tenantID = tenantID
        self.extensionNumber = extensionNumber
        self.contact = contact
        self.source = source
        self.expiresAt = expiresAt
        self.userAgent = userAgent
        self.callID = callID
        self.latencyMs = latencyMs
        self.lastReplyAt = lastReplyAt
    }

    /// Latency above this is flagged in the live view (L2).
    public static let highLatencyMs = 100
}
