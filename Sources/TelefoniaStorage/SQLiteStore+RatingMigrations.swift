extension SQLiteStore {
    /// Tariff plans, prepaid balances, the credit log and invoices (M1, P4, R5).
    static let ratingMigrations: [SQLiteMigration] = []
}
