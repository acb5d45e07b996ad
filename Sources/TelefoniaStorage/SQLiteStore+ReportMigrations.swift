extension SQLiteStore {
    /// Indexes and tables the reports need (R1–R7, P2, L1).
    static let reportMigrations: [SQLiteMigration] = [
        SQLiteMigration(
            // P6: rows per report page by tenant; no foreign key, like MemoryStore (a
            // removed and re-added tenant keeps its choice).
            name: "200-report-settings",
            sql: """
                CREATE TABLE report_settings (
                    tenant_id TEXT PRIMARY KEY NOT NULL,
                    page_size INTEGER NOT NULL CHECK (page_size BETWEEN 1 AND 1000)
                );
                """
        ),
        SQLiteMigration(
            // One index the reports read without touching the table (docs/BENCHMARKS.md,
            // "Reports"): (tenant, start, id) gives the pages in order and skips OFFSET rows
            // in the index; the other columns are what the counts, R6, R7 and the dashboard
            // aggregate. Only the number filter (caller, dialled) reads table rows. It
            // starts with (tenant_id, started_at), so it replaces cdrs_tenant_start.
            // On an existing database it takes about 1 s of CPU per million records.
            name: "201-cdrs-report-index",
            sql: """
                CREATE INDEX cdrs_report ON cdrs (
                    tenant_id, started_at, id, direction, line, number_class, disposition, sip_cause,
                    answered_at, ended_at, cost_cents, normalized
                );
                DROP INDEX cdrs_tenant_start;
                """
        ),
    ]
}
