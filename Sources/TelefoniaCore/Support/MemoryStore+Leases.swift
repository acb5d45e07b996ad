extension MemoryStore: JobLeaseStore {
    public func acquireLease(job: String, node: String, now: Int64, until: Int64) throws -> Bool {
        withState { state in
            if let lease = state.leases[job], lease.node != node, lease.until > now { return false }
            state.leases[job] = (node, until)
            return true
        }
    }

    public func releaseLease(job: String, node: String) throws {
        withState { state in
            if state.leases[job]?.node == node { state.leases[job] = nil }
        }
    }
}
