extension MemoryStore: LiveStore {
    public func replaceLiveCalls(node: String, calls: [LiveCall], at: Int64) throws {
        withState { state in
            state.liveCalls[node] = calls
            state.liveUpdatedAt = at
        }
    }

    public func liveCalls(tenantID: String?) throws -> (calls: [LiveCall], updatedAt: Int64?) {
        withState { state in
            let all = state.liveCalls.values.joined().filter { tenantID == nil || $0.tenantID == tenantID }
            return (all.sorted { $0.startedAt < $1.startedAt }, state.liveUpdatedAt)
        }
    }

    public func recordContactReply(tenantID: String, extensionNumber: String, contact: String, latencyMs: Int, at: Int64) throws {
        withState { state in
            let key = RegistrationKey(tenantID: tenantID, extensionNumber: extensionNumber, contact: contact)
            state.registrations[key]?.latencyMs = latencyMs
            state.registrations[key]?.lastReplyAt = at
        }
    }
}
