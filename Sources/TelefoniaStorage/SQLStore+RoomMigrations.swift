extension SQLStore {
    /// Conference rooms (F6).
    static let roomMigrations: [SQLMigration] = [
        SQLMigration(
            name: "400-conference-rooms",
            sql: """
                CREATE TABLE conference_rooms (
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    number TEXT NOT NULL,
                    name TEXT NOT NULL,
                    PRIMARY KEY (tenant_id, number)
                );
                """
        ),
    ]
}
