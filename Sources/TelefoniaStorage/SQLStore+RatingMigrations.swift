extension SQLStore {
    /// Tariff plans, prepaid balances, the credit log and invoices (M1, P4, R5).
    /// Money columns are integers: prices in ten-thousandths of the currency unit,
    /// amounts in cents (see `Money`).
    static let ratingMigrations: [SQLMigration] = [
        SQLMigration(
            name: "100-tariff-plans",
            sql: """
                CREATE TABLE tariff_plans (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('postpaid', 'prepaid'))
                );
                CREATE TABLE tariff_rates (
                    plan_id TEXT NOT NULL REFERENCES tariff_plans (id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    number_class TEXT,
                    prefix TEXT,
                    price_per_minute INTEGER NOT NULL CHECK (price_per_minute >= 0),
                    connection_fee INTEGER NOT NULL CHECK (connection_fee >= 0),
                    first_increment INTEGER NOT NULL CHECK (first_increment > 0),
                    next_increment INTEGER NOT NULL CHECK (next_increment > 0),
                    minimum_seconds INTEGER NOT NULL CHECK (minimum_seconds >= 0),
                    PRIMARY KEY (plan_id, position)
                );
                CREATE TABLE tenant_tariff_plans (
                    tenant_id TEXT PRIMARY KEY NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    plan_id TEXT NOT NULL REFERENCES tariff_plans (id)
                );
                CREATE INDEX tenant_tariff_plans_plan ON tenant_tariff_plans (plan_id);
                """
        ),
        SQLMigration(
            // No foreign keys: balances and their log are money history and outlive tenants, like CDRs.
            name: "101-prepaid-credit",
            sql: """
                CREATE TABLE credit_balances (
                    tenant_id TEXT PRIMARY KEY NOT NULL,
                    balance_cents INTEGER NOT NULL
                );
                CREATE TABLE credit_movements (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    tenant_id TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    amount_cents INTEGER NOT NULL,
                    balance_after_cents INTEGER NOT NULL,
                    cdr_id TEXT,
                    note TEXT NOT NULL
                );
                CREATE INDEX credit_movements_tenant_at ON credit_movements (tenant_id, at);
                """
        ),
        SQLMigration(
            name: "102-invoices",
            sql: """
                CREATE TABLE invoices (
                    id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL,
                    period_from INTEGER NOT NULL,
                    period_to INTEGER NOT NULL,
                    amount_cents INTEGER NOT NULL,
                    due_at INTEGER NOT NULL,
                    paid_at INTEGER,
                    status TEXT NOT NULL
                );
                CREATE INDEX invoices_tenant ON invoices (tenant_id, period_from);
                """
        ),
        SQLMigration(
            // The engine reads only the rates that can match a number (class rates and its prefixes).
            name: "103-tariff-rates-by-prefix",
            sql: "CREATE INDEX tariff_rates_prefix ON tariff_rates (plan_id, prefix);"
        ),
    ]
}
