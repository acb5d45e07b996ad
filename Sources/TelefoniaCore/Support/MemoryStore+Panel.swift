/// Panel users, sessions and the audit log in memory; the rules of `PanelStore`.
extension MemoryStore: PanelStore {
    public func panelUser(username: String) throws -> PanelUser? { withState { $0.panelUsers[username] } }

    public func panelUsers(tenantID: String?) throws -> [PanelUser] {
        withState { state in state.panelUsers.values.filter { $0.tenantID == tenantID }.sorted { $0.username < $1.username } }
    }

    public func save(_ user: PanelUser) throws {
        try withState { state in
            if let problem = user.problem() { throw StoreError(.invalid, problem) }
            if let tenant = user.tenantID, state.tenants[tenant] == nil { throw StoreError(.notFound, "unknown tenant \(tenant)") }
            state.panelUsers[user.username] = user
        }
    }

    public func removePanelUser(username: String) throws {
        try withState { state in
            guard state.panelUsers.removeValue(forKey: username) != nil else { throw StoreError(.notFound, "no panel user \(username)") }
            state.panelSessions = state.panelSessions.filter { $0.value.username != username }
        }
    }

    public func panelUserCount() throws -> Int { withState { $0.panelUsers.count } }

    public func save(_ session: PanelSession) throws { withState { $0.panelSessions[session.tokenHash] = session } }

    public func panelSession(tokenHash: String, now: Int64) throws -> PanelSession? {
        withState { state in state.panelSessions[tokenHash].flatMap { $0.expiresAt > now ? $0 : nil } }
    }

    public func removePanelSession(tokenHash: String) throws { withState { _ = $0.panelSessions.removeValue(forKey: tokenHash) } }

    public func removePanelSessions(username: String) throws {
        withState { state in state.panelSessions = state.panelSessions.filter { $0.value.username != username } }
    }

    @discardableResult
    public func append(_ entry: AuditEntry) throws -> AuditEntry {
        withState { state in
            var numbered = entry
            numbered.id = Int64(state.audit.count + 1)
            state.audit.append(numbered)
            return numbered
        }
    }

    public func purgeAudit(olderThan cutoff: Int64) throws -> Int {
        withState { state in
            let before = state.audit.count
            state.audit.removeAll { $0.at < cutoff }
            return before - state.audit.count
        }
    }

    public func audit(tenantID: String?, user: String?, action: String?, since: Int64?, until: Int64?, limit: Int, offset: Int) throws -> [AuditEntry] {
        withState { state in
            Array(state.audit.reversed().lazy
                .filter { tenantID == nil || $0.tenantID == tenantID }
                .filter { user == nil || $0.user == user }
                .filter { action == nil || $0.action == action }
                .filter { since == nil || $0.at >= since! }
                .filter { until == nil || $0.at < until! }
                .dropFirst(max(0, offset)).prefix(max(0, limit)))
        }
    }
}
