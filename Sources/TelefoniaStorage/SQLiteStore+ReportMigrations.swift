extension SQLiteStore {
    /// Indexes and tables the reports need (R1–R7, P2, L1).
    static let reportMigrations: [SQLiteMigration] = []
}
