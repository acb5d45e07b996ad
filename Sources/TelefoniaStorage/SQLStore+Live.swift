import TelefoniaCore

extension SQLStore: LiveStore {
    public func replaceLiveCalls(node: String, calls: [LiveCall], at: Int64) throws {
        try write { database in
            do {
                try database.execute("DELETE FROM live_calls WHERE node = ?", node)
                for call in calls {
                    try database.execute(
                        """
                        INSERT INTO live_calls (node, call_id, tenant_id, line, direction, caller, dialled, normalized,
                            number_class, state, started_at, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        values: [
                            node, call.callID, call.tenantID, call.line, call.direction.rawValue, call.caller, call.dialled,
                            call.normalized, call.numberClass?.rawValue, call.state.rawValue, call.startedAt, call.answeredAt,
                        ])
                }
                try database.execute(
                    "INSERT INTO live_nodes (node, updated_at) VALUES (?, ?) ON CONFLICT (node) DO UPDATE SET updated_at = excluded.updated_at",
                    node, at)
            }
        }
    }

    public func liveCalls(tenantID: String?) throws -> (calls: [LiveCall], updatedAt: Int64?) {
        try withDatabase { database in
            let columns = "call_id, tenant_id, line, direction, caller, dialled, normalized, number_class, state, started_at, answered_at"
            let map: (SQLRow) throws -> LiveCall = { row in
                LiveCall(
                    callID: row.text(0), tenantID: row.text(1), line: row.optionalText(2),
                    direction: CallDirection(rawValue: row.text(3)) ?? .internalCall, caller: row.text(4),
                    dialled: row.text(5), normalized: row.text(6), numberClass: row.optionalText(7).flatMap(NumberClass.init(rawValue:)),
                    state: LiveCall.State(rawValue: row.text(8)) ?? .dialling, startedAt: row.int64(9),
                    answeredAt: row.optionalInt64(10))
            }
            let calls: [LiveCall]
            if let tenantID {
                calls = try database.query("SELECT \(columns) FROM live_calls WHERE tenant_id = ? ORDER BY started_at", tenantID, row: map)
            } else {
                calls = try database.query("SELECT \(columns) FROM live_calls ORDER BY started_at", row: map)
            }
            let updated = try database.query("SELECT max(updated_at) FROM live_nodes") { $0.optionalInt64(0) }.first ?? nil
            return (calls, updated)
        }
    }

    public func recordContactReplies(_ replies: [ContactReply]) throws {
        guard !replies.isEmpty else { return }
        try write { database in
            for reply in replies {
                try database.execute(
                    "UPDATE registrations SET latency_ms = ?, last_reply_at = ? WHERE tenant_id = ? AND extension = ? AND contact = ?",
                    Int64(reply.latencyMs), reply.at, reply.tenantID, reply.extensionNumber, reply.contact)
            }
        }
    }
}
