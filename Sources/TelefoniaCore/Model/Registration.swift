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

    public init(tenantID: String, extensionNumber: String, contact: String, source: String, expiresAt: Int64, userAgent: String? = nil, callID: String) {
        self.tenantID = tenantID
        self.extensionNumber = extensionNumber
        self.contact = contact
        self.source = source
        self.expiresAt = expiresAt
        self.userAgent = userAgent
        self.callID = callID
    }
}
