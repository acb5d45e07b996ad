import TelefoniaCore

extension SQLStore: RecordingStore {
    private static let recordingColumns =
        "call_id, tenant_id, line, from_number, to_number, started_at, duration_seconds, size_bytes, path"

    private static func recording(_ row: SQLRow) -> Recording {
        Recording(
            callID: row.text(0), tenantID: row.text(1), line: row.optionalText(2), from: row.text(3), to: row.text(4),
            startedAt: row.int64(5), durationSeconds: row.int(6), sizeBytes: row.int64(7), path: row.text(8))
    }

    public func save(_ recording: Recording) throws {
        try withDatabase {
            try $0.execute(
                """
                INSERT INTO recordings (\(Self.recordingColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (call_id) DO UPDATE SET duration_seconds = excluded.duration_seconds,
                    size_bytes = excluded.size_bytes, path = excluded.path
                """,
                values: [
                    recording.callID, recording.tenantID, recording.line, recording.from, recording.to,
                    recording.startedAt, Int64(recording.durationSeconds), recording.sizeBytes, recording.path,
                ])
        }
    }

    public func recordings(tenantID: String, from: Int64?, to: Int64?, number: String?) throws -> [Recording] {
        var sql = "SELECT \(Self.recordingColumns) FROM recordings WHERE tenant_id = ? AND started_at >= ? AND started_at < ?"
        var values: [any SQLBindable] = [tenantID, from ?? Int64.min, to ?? Int64.max]
        if let number {
            sql += " AND (instr(from_number, ?) > 0 OR instr(to_number, ?) > 0)"
            values += [number, number]
        }
        sql += " ORDER BY started_at DESC, call_id DESC"
        return try withDatabase { try $0.query(sql, values: values, row: Self.recording) }
    }

    public func removeRecordings(startedBefore before: Int64) throws -> [Recording] {
        try write { database in
            let old = try database.query(
                "SELECT \(Self.recordingColumns) FROM recordings WHERE started_at < ? ORDER BY started_at", before,
                row: Self.recording)
            _ = try database.execute("DELETE FROM recordings WHERE started_at < ?", before)
            return old
        }
    }

    public func recording(tenantID: String, callID: String) throws -> Recording? {
        try withDatabase { try Self.recording(in: $0, tenantID: tenantID, callID: callID) }
    }

    private static func recording(in database: any SQLDatabase, tenantID: String, callID: String) throws -> Recording? {
        try database.query("SELECT \(recordingColumns) FROM recordings WHERE tenant_id = ? AND call_id = ?", tenantID, callID,
                           row: recording).first
    }

    public func removeRecording(tenantID: String, callID: String) throws -> Recording? {
        try write { database in
            guard let found = try Self.recording(in: database, tenantID: tenantID, callID: callID) else { return nil }
            _ = try database.execute("DELETE FROM recordings WHERE tenant_id = ? AND call_id = ?", tenantID, callID)
            return found
        }
    }
}
