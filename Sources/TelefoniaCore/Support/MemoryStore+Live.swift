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

    public func recordContactReplies(_ replies: [ContactReply]) throws {
        withState { state in
            for reply in replies {
                let key = RegistrationKey(tenantID: reply.tenantID, extensionNumber: reply.extensionNumber, contact: reply.contact)
                state.registrations[key]?.latencyMs = reply.latencyMs
                state.registrations[key]?.lastReplyAt = reply.at
            }
        }
    }
}
