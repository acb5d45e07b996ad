/// Panel users, their sessions and the audit log (issue 11: P1, P3, P8), implemented by
/// `SQLStore` and `MemoryStore` with the same rules:
/// - user names are unique across tenants; `save` refuses what `PanelUser.problem()`
///   refuses and an unknown tenant (`notFound`);
/// - a session is found by its token's hash and only until it expires;
/// - the audit log only grows (entries are numbered in order), and is read newest first,
///   one tenant's at a time unless the reader is the operator (`tenantID` nil).
public protocol PanelStore: AnyObject, Sendable {
    func panelUser(username: String) throws -> PanelUser?
    /// A tenant's users; nil: the operators.
    func panelUsers(tenantID: String?) throws -> [PanelUser]
    func save(_ user: PanelUser) throws
    func removePanelUser(username: String) throws
    /// How many users exist (first start makes the first ones).
    func panelUserCount() throws -> Int

    func save(_ session: PanelSession) throws
    /// The session with that token hash if it has not expired at `now`.
    func panelSession(tokenHash: String, now: Int64) throws -> PanelSession?
    func removePanelSession(tokenHash: String) throws
    /// Ends every session of a user (password changed, user removed or disabled).
    func removePanelSessions(username: String) throws

    @discardableResult func append(_ entry: AuditEntry) throws -> AuditEntry
    /// Newest first; `tenantID` nil reads every tenant's (the operator's view); `since`
    /// inclusive, `until` exclusive (unix ms).
    func audit(tenantID: String?, user: String?, action: String?, since: Int64?, until: Int64?, limit: Int, offset: Int) throws -> [AuditEntry]
    /// Removes entries older than `cutoff` (kept like call records); returns how many.
    @discardableResult func purgeAudit(olderThan cutoff: Int64) throws -> Int
}

extension PanelStore {
    public func audit(tenantID: String?, limit: Int = 100) throws -> [AuditEntry] {
        try audit(tenantID: tenantID, user: nil, action: nil, since: nil, until: nil, limit: limit, offset: 0)
    }
}
