import TelefoniaCore

/// Queues (C2) as documents, their events as rows; the rules of `QueueStore`, the same as `MemoryStore`.
extension SQLStore: QueueStore {
    public func callQueues(tenantID: String) throws -> [CallQueue] {
        try withDatabase { try $0.documents(CallQueue.self, in: .callQueues, tenantID: tenantID) }
    }

    public func callQueue(tenantID: String, name: String) throws -> CallQueue? {
        try withDatabase { try $0.document(CallQueue.self, in: .callQueues, tenantID: tenantID, key: name) }
    }

    public func save(_ queue: CallQueue) throws {
        try write { database in
            try database.requireTenant(queue.tenantID)
            let tenant = queue.tenantID
            if let problem = try CallFlowRules.problem(
                with: queue,
                lineExists: { try database.hasLine(tenantID: tenant, extensionNumber: $0) },
                groupExists: { try database.hasDocument(in: .callGroups, tenantID: tenant, key: $0) },
                menuExists: { try database.hasDocument(in: .ivrMenus, tenantID: tenant, key: $0) },
                queueExists: { $0 == queue.name ? true : try database.hasDocument(in: .callQueues, tenantID: tenant, key: $0) }) {
                throw StoreError(.invalid, problem)
            }
            try database.put(queue, in: .callQueues, tenantID: tenant, key: queue.name)
        }
    }

    @discardableResult
    public func removeCallQueue(tenantID: String, name: String) throws -> CallQueue {
        try write { database in
            let queues = try database.documents(CallQueue.self, in: .callQueues, tenantID: tenantID)
            guard let queue = queues.first(where: { $0.name == name }) else {
                throw StoreError(.notFound, "tenant \(tenantID) has no queue \(name)")
            }
            let menus = try database.documents(IVRMenu.self, in: .ivrMenus, tenantID: tenantID)
            let groups = try database.documents(CallGroup.self, in: .callGroups, tenantID: tenantID)
            if let user = CallFlowRules.user(ofQueue: name, menus: menus, groups: groups, queues: queues) {
                throw StoreError(.invalid, "\(user) leads to queue \(name)")
            }
            if let did = try database.did(routedTo: .queue(name), tenantID: tenantID) {
                throw StoreError(.invalid, "DID \(did) is routed to queue \(name)")
            }
            try database.deleteDocument(in: .callQueues, tenantID: tenantID, key: name)
            return queue
        }
    }

    public func record(_ events: [QueueEvent]) throws {
        guard !events.isEmpty else { return }
        let rows = try events.map { try SQLStore.encode($0) }
        try write { database in
            for (event, row) in zip(events, rows) {
                _ = try database.execute("INSERT INTO queue_events (tenant_id, queue, at, event) VALUES (?, ?, ?, ?)",
                                         event.tenantID, event.queue, event.at, row)
            }
        }
    }

    public func queueEvents(tenantID: String, from: Int64?, to: Int64?, queue: String?) throws -> [QueueEvent] {
        var sql = "SELECT event FROM queue_events WHERE tenant_id = ?"
        var arguments: [any SQLBindable] = [tenantID]
        if let from {
            sql += " AND at >= ?"
            arguments.append(from)
        }
        if let to {
            sql += " AND at < ?"
            arguments.append(to)
        }
        if let queue {
            sql += " AND queue = ?"
            arguments.append(queue)
        }
        sql += " ORDER BY at, id"
        let rows = try withDatabase { database in try database.query(sql, values: arguments) { $0.text(0) } }
        return try rows.map { try SQLStore.decode(QueueEvent.self, $0) }
    }
}

extension SQLStore {
    /// Call centre (issue 10): queues, the queue event log.
    static let queueMigrations: [SQLMigration] = [
        SQLMigration(
            name: "700-call-queues",
            sql: """
                CREATE TABLE call_queues (
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    definition TEXT NOT NULL,
                    PRIMARY KEY (tenant_id, name)
                );
                """
        ),
        SQLMigration(
            name: "701-queue-events",
            sql: """
                CREATE TABLE queue_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    tenant_id TEXT NOT NULL,
                    queue TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    event TEXT NOT NULL
                );
                CREATE INDEX queue_events_tenant_time ON queue_events (tenant_id, at);
                """
        ),
        SQLMigration(
            name: "702-queue-live",
            sql: """
                CREATE TABLE queue_live (
                    node TEXT NOT NULL,
                    tenant_id TEXT NOT NULL,
                    taken_at INTEGER NOT NULL,
                    snapshot TEXT NOT NULL,
                    PRIMARY KEY (node, tenant_id)
                );
                CREATE TABLE queue_commands (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    tenant_id TEXT NOT NULL,
                    agent TEXT NOT NULL,
                    action TEXT NOT NULL,
                    reason TEXT,
                    created_at INTEGER NOT NULL,
                    done_at INTEGER,
                    result TEXT
                );
                CREATE INDEX queue_commands_pending ON queue_commands (done_at);
                """
        ),
    ]
}

/// The consoles' live view and the supervisors' commands, shared with other processes.
extension SQLStore {
    public func replaceQueueSnapshots(node: String, snapshots: [QueueSnapshot]) throws {
        let rows = try snapshots.map { ($0, try SQLStore.encode($0)) }
        try write { database in
            _ = try database.execute("DELETE FROM queue_live WHERE node = ?", node)
            for (snapshot, row) in rows {
                _ = try database.execute("INSERT INTO queue_live (node, tenant_id, taken_at, snapshot) VALUES (?, ?, ?, ?)",
                                         node, snapshot.tenantID, snapshot.takenAt, row)
            }
        }
    }

    public func queueSnapshot(tenantID: String) throws -> QueueSnapshot? {
        let row = try withDatabase { database in
            try database.query("SELECT snapshot FROM queue_live WHERE tenant_id = ? ORDER BY taken_at DESC LIMIT 1", tenantID) { $0.text(0) }
        }.first
        return try row.map { try SQLStore.decode(QueueSnapshot.self, $0) }
    }

    public func file(_ command: SupervisorCommand) throws -> SupervisorCommand {
        try write { database in
            var filed = command
            filed.id = try database.query(
                "INSERT INTO queue_commands (tenant_id, agent, action, reason, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                command.tenantID, command.agent, command.action.rawValue, command.reason, command.createdAt) { $0.int64(0) }.first ?? 0
            return filed
        }
    }

    public func pendingQueueCommands() throws -> [SupervisorCommand] {
        try queueCommands(where: "done_at IS NULL")
    }

    public func complete(queueCommand id: Int64, at: Int64, result: String) throws {
        try write { database in
            _ = try database.execute("UPDATE queue_commands SET done_at = ?, result = ? WHERE id = ?", at, result, id)
        }
    }

    public func queueCommand(id: Int64) throws -> SupervisorCommand? {
        try queueCommands(where: "id = \(id)").first
    }

    private func queueCommands(where condition: String) throws -> [SupervisorCommand] {
        try withDatabase { database in
            try database.query(
                "SELECT id, tenant_id, agent, action, reason, created_at, done_at, result FROM queue_commands WHERE \(condition) ORDER BY id"
            ) { row in
                SupervisorCommand(id: row.int64(0), tenantID: row.text(1), agent: row.text(2),
                             action: SupervisorCommand.Action(rawValue: row.text(3)) ?? .pause, reason: row.optionalText(4),
                             createdAt: row.int64(5), doneAt: row.optionalInt64(6), result: row.optionalText(7))
            }
        }
    }
}
