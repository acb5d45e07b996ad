/// Queues (C2) and their event log, in memory; the rules of `QueueStore`.
extension MemoryStore: QueueStore {
    public func callQueues(tenantID: String) throws -> [CallQueue] {
        withState { state in (state.callQueues[tenantID] ?? [:]).values.sorted { $0.name < $1.name } }
    }

    public func callQueue(tenantID: String, name: String) throws -> CallQueue? {
        withState { $0.callQueues[tenantID]?[name] }
    }

    public func save(_ queue: CallQueue) throws {
        try withState { state in
            guard state.tenants[queue.tenantID] != nil else { throw StoreError(.notFound, "unknown tenant \(queue.tenantID)") }
            let tenant = queue.tenantID
            if let problem = CallFlowRules.problem(
                with: queue,
                lineExists: { state.lines[LineKey(tenantID: tenant, extensionNumber: $0)] != nil },
                groupExists: { state.callGroups[tenant]?[$0] != nil },
                menuExists: { state.ivrMenus[tenant]?[$0] != nil },
                queueExists: { state.callQueues[tenant]?[$0] != nil }) {
                throw StoreError(.invalid, problem)
            }
            state.callQueues[tenant, default: [:]][queue.name] = queue
        }
    }

    @discardableResult
    public func removeCallQueue(tenantID: String, name: String) throws -> CallQueue {
        try withState { state in
            guard let queue = state.callQueues[tenantID]?[name] else {
                throw StoreError(.notFound, "tenant \(tenantID) has no queue \(name)")
            }
            let menus = (state.ivrMenus[tenantID] ?? [:]).values.sorted { IVRMenu.precedes($0, $1) }
            let groups = (state.callGroups[tenantID] ?? [:]).values.sorted { $0.name < $1.name }
            let queues = (state.callQueues[tenantID] ?? [:]).values.sorted { $0.name < $1.name }
            if let user = CallFlowRules.user(ofQueue: name, menus: menus, groups: groups, queues: queues) {
                throw StoreError(.invalid, "\(user) leads to queue \(name)")
            }
            if let did = state.dids.values.sorted(by: { $0.number < $1.number })
                .first(where: { $0.tenantID == tenantID && $0.route == .queue(name) }) {
                throw StoreError(.invalid, "DID \(did.number) is routed to queue \(name)")
            }
            state.callQueues[tenantID]?[name] = nil
            return queue
        }
    }

    public func record(_ events: [QueueEvent]) throws {
        withState { $0.queueEvents += events }
    }

    public func queueEvents(tenantID: String, from: Int64?, to: Int64?, queue: String?) throws -> [QueueEvent] {
        withState { state in
            state.queueEvents.filter { (event: QueueEvent) -> Bool in
                guard event.tenantID == tenantID else { return false }
                if let from, event.at < from { return false }
                if let to, event.at >= to { return false }
                if let queue, event.queue != queue { return false }
                return true
            }
        }
    }
}

extension MemoryStore {
    public func replaceQueueSnapshots(node: String, snapshots: [QueueSnapshot]) throws {
        withState { state in
            for snapshot in snapshots { state.queueSnapshots[snapshot.tenantID] = snapshot }
        }
    }

    public func queueSnapshot(tenantID: String) throws -> QueueSnapshot? {
        withState { $0.queueSnapshots[tenantID] }
    }

    public func file(_ command: SupervisorCommand) throws -> SupervisorCommand {
        withState { state in
            var filed = command
            filed.id = Int64(state.queueCommands.count + 1)
            state.queueCommands.append(filed)
            return filed
        }
    }

    public func pendingQueueCommands() throws -> [SupervisorCommand] {
        withState { $0.queueCommands.filter { $0.doneAt == nil } }
    }

    public func complete(queueCommand id: Int64, at: Int64, result: String) throws {
        withState { state in
            guard let index = state.queueCommands.firstIndex(where: { $0.id == id }) else { return }
            state.queueCommands[index].doneAt = at
            state.queueCommands[index].result = result
        }
    }

    public func queueCommand(id: Int64) throws -> SupervisorCommand? {
        withState { $0.queueCommands.first { $0.id == id } }
    }
}
