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
    ]
}
