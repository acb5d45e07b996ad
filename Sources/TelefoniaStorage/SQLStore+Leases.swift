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
        // Asked every second by each server: a read answers most asks without the write
        // lock — another server's live lease, or ours with more than half its time left.
        let current = try withDatabase {
            try $0.query("SELECT node, expires_at FROM job_leases WHERE job = ?", job) { ($0.text(0), $0.int64(1)) }.first
        }
        if let (holder, expires) = current, expires > now {
            if holder != node { return false }
            if expires - now > (until - now) / 2 { return true }
        }
        return try write { database in
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
