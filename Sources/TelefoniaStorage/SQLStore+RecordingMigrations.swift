extension SQLStore {
    /// Call recordings (T2, R8).
    static let recordingMigrations: [SQLMigration] = [
        SQLMigration(
            name: "500-recordings",
            sql: """
                CREATE TABLE recordings (
                    call_id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL,
                    line TEXT,
                    from_number TEXT NOT NULL,
                    to_number TEXT NOT NULL,
                    started_at INTEGER NOT NULL,
                    duration_seconds INTEGER NOT NULL,
                    size_bytes INTEGER NOT NULL,
                    path TEXT NOT NULL
                );
                CREATE INDEX recordings_tenant_start ON recordings (tenant_id, started_at);
                CREATE INDEX recordings_start ON recordings (started_at);
                """
        ),
    ]
}
