import TelefoniaCore

/// Job leases (`JobLeaseStore`): one row per job, taken by a conditional upsert.
extension SQLStore: JobLeaseStore {
    static let leaseMigrations: [SQLMigration] = [
        SQLMigration(
            name: "1301-job-leases",
            sql: """
                CREATE TABLE job_leases (
                    job TEXT PRIMARY KEY NOT NULL,
                    node TEXT NOT NULL,
                    expires_at INTEGER NOT NULL
                );
                """
        ),
    ]

    public func acquireLease(job: String, node: String, now: Int64, until: Int64) throws -> Bool {
        try write { database in
            // The upsert changes the row only when it is free, expired or already this node's.
            try database.execute(
                """
                INSERT INTO job_leases (job, node, expires_at) VALUES (?, ?, ?)
                ON CONFLICT (job) DO UPDATE SET node = excluded.node, expires_at = excluded.expires_at
                WHERE job_leases.node = excluded.node OR job_leases.expires_at <= ?
                """,
                job, node, until, now)
            return try database.query("SELECT node FROM job_leases WHERE job = ?", job) { $0.text(0) }.first == node
        }
    }

    public func releaseLease(job: String, node: String) throws {
        try withDatabase { _ = try $0.execute("DELETE FROM job_leases WHERE job = ? AND node = ?", job, node) }
    }
}
