/// Live state a server shares with the CLI and panels of other processes: calls in
/// progress (L1) and how registered phones answer keep-alive probes (L2).
public protocol LiveStore: AnyObject, Sendable {
    /// Replaces every live call row of one server node with `calls`, stamped `at` (unix ms).
    func replaceLiveCalls(node: String, calls: [LiveCall], at: Int64) throws
    /// Live calls of a tenant (all when nil), and when each node last wrote them.
    func liveCalls(tenantID: String?) throws -> (calls: [LiveCall], updatedAt: Int64?)
    /// Records the answers contacts gave to OPTIONS probes, all in one write.
    func recordContactReplies(_ replies: [ContactReply]) throws
}

/// A contact answered a keep-alive OPTIONS after `latencyMs`, at `at` (unix ms).
public struct ContactReply: Sendable, Equatable {
    public var tenantID: String
    public var extensionNumber: String
    public var contact: String
    public var latencyMs: Int
    public var at: Int64

    public init(tenantID: String, extensionNumber: String, contact: String, latencyMs: Int, at: Int64) {
        self.tenantID = tenantID
        self.extensionNumber = extensionNumber
        self.contact = contact
        self.latencyMs = latencyMs
        self.at = at
    }
}
