import TelefoniaCore

/// Tariff plans, tenant plan assignments, prepaid balances with their credit log,
/// and invoices, with the same rules as `MemoryStore`.
extension SQLStore: TariffStore, RatingStore {
    // MARK: - Plans

    private static let rateColumns =
        "number_class, prefix, price_per_minute, connection_fee, first_increment, next_increment, minimum_seconds"

    private static func rate(_ row: SQLRow) throws -> Rate {
        var numberClass: NumberClass?
        if let text = row.optionalText(0) {
            guard let value = NumberClass(rawValue: text) else {
                throw StoreError(.invalid, "a rate has an unknown number class '\(text)'")
            }
            numberClass = value
        }
        return Rate(
            numberClass: numberClass, prefix: row.optionalText(1), pricePerMinute: row.int64(2), connectionFee: row.int64(3),
            firstIncrement: row.int(4), nextIncrement: row.int(5), minimumSeconds: row.int(6))
    }

    private static func plan(_ row: SQLRow) throws -> TariffPlan {
        guard let kind = TariffPlan.Kind(rawValue: row.text(2)) else {
            throw StoreError(.invalid, "plan \(row.text(0)) has an unknown kind '\(row.text(2))'")
        }
        return TariffPlan(id: row.text(0), name: row.text(1), kind: kind)
    }

    private func withRates(_ plan: TariffPlan, _ database: any SQLDatabase) throws -> TariffPlan {
        var plan = plan
        plan.rates = try database.query(
            "SELECT \(Self.rateColumns) FROM tariff_rates WHERE plan_id = ? ORDER BY position", plan.id, row: Self.rate)
        return plan
    }

    public func tariffPlans() throws -> [TariffPlan] {
        try withDatabase { database in
            try database.query("SELECT id, name, kind FROM tariff_plans ORDER BY id", row: Self.plan)
                .map { try withRates($0, database) }
        }
    }

    public func tariffPlan(id: String) throws -> TariffPlan? {
        try withDatabase { database in
            try database.query("SELECT id, name, kind FROM tariff_plans WHERE id = ?", id, row: Self.plan)
                .first.map { try withRates($0, database) }
        }
    }

    public func save(_ plan: TariffPlan) throws {
        do {
            try plan.validate()
        } catch {
            throw StoreError(.invalid, error.message)
        }
        try write { database in
            try database.execute(
                """
                INSERT INTO tariff_plans (id, name, kind) VALUES (?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind
                """,
                plan.id, plan.name, plan.kind.rawValue)
            try database.execute("DELETE FROM tariff_rates WHERE plan_id = ?", plan.id)
            for (position, rate) in plan.rates.enumerated() {
                try database.execute(
                    "INSERT INTO tariff_rates (plan_id, position, \(Self.rateColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    values: [
                        plan.id, position, rate.numberClass?.rawValue, rate.prefix, rate.pricePerMinute, rate.connectionFee,
                        rate.firstIncrement, rate.nextIncrement, rate.minimumSeconds,
                    ])
            }
        }
    }

    public func removeTariffPlan(id: String) throws {
        try write { database in
            let users = try database.query("SELECT tenant_id FROM tenant_tariff_plans WHERE plan_id = ? ORDER BY tenant_id", id) { $0.text(0) }
            if !users.isEmpty {
                throw StoreError(.invalid, "plan \(id) is used by tenant \(users.joined(separator: ", "))")
            }
            if try database.execute("DELETE FROM tariff_plans WHERE id = ?", id) == 0 {
                throw StoreError(.notFound, "unknown plan \(id)")
            }
        }
    }

    public func tariffPlanID(tenantID: String) throws -> String? {
        try withDatabase {
            try $0.query("SELECT plan_id FROM tenant_tariff_plans WHERE tenant_id = ?", tenantID) { $0.text(0) }.first
        }
    }

    public func assignTariffPlan(_ planID: String?, tenantID: String) throws {
        try write { database in
            if try database.query("SELECT 1 FROM tenants WHERE id = ?", tenantID, row: { _ in 1 }).isEmpty {
                throw StoreError(.notFound, "unknown tenant \(tenantID)")
            }
            guard let planID else {
                try database.execute("DELETE FROM tenant_tariff_plans WHERE tenant_id = ?", tenantID)
                return
            }
            if try database.query("SELECT 1 FROM tariff_plans WHERE id = ?", planID, row: { _ in 1 }).isEmpty {
                throw StoreError(.notFound, "unknown plan \(planID)")
            }
            try database.execute(
                """
                INSERT INTO tenant_tariff_plans (tenant_id, plan_id) VALUES (?, ?)
                ON CONFLICT (tenant_id) DO UPDATE SET plan_id = excluded.plan_id
                """,
                tenantID, planID)
        }
    }

    /// Two indexed lookups: the class rates, and the rates whose prefix is one of the
    /// number's leading parts (15 parameters, unused ones NULL, so one cached statement).
    public func tariffPlan(tenantID: String, ratesFor e164: String?) throws -> TariffPlan? {
        try withDatabase { database in
            guard var plan = try database.query(
                """
                SELECT p.id, p.name, p.kind FROM tenant_tariff_plans t JOIN tariff_plans p ON p.id = t.plan_id
                WHERE t.tenant_id = ?
                """, tenantID, row: Self.plan
            ).first else { return nil }
            var values: [any SQLBindable] = [plan.id, plan.id]
            let prefixes = Rater.prefixes(of: e164)
            for index in 0..<15 { values.append(index < prefixes.count ? prefixes[index] : nil as String?) }
            let marks = Array(repeating: "?", count: 15).joined(separator: ", ")
            // No ORDER BY: without statistics SQLite would walk the whole plan by position to
            // avoid a sort; the handful of rows found are put in plan order here.
            plan.rates = try database.query(
                """
                SELECT \(Self.rateColumns), position FROM tariff_rates WHERE plan_id = ? AND prefix IS NULL
                UNION ALL
                SELECT \(Self.rateColumns), position FROM tariff_rates WHERE plan_id = ? AND prefix IN (\(marks))
                """, values: values
            ) { row in (position: row.int(7), rate: try Self.rate(row)) }
            .sorted { $0.position < $1.position }.map(\.rate)
            return plan
        }
    }

    public func tenantIDs(onTariffPlan planID: String) throws -> [String] {
        try withDatabase {
            try $0.query("SELECT tenant_id FROM tenant_tariff_plans WHERE plan_id = ? ORDER BY tenant_id", planID) { $0.text(0) }
        }
    }

    // MARK: - Balances and the credit log

    public func spentCents(tenantID: String, since: Int64, international: Bool) throws -> Int64 {
        var conditions = SQLConditions()
        conditions.equal("tenant_id", tenantID)
        conditions.period(from: since, to: nil)
        conditions.append(international ? "number_class = 'international'" : "(number_class IS NULL OR number_class <> 'international')")
        return try withDatabase {
            try $0.query("SELECT COALESCE(SUM(cost_cents), 0) FROM cdrs WHERE \(conditions.sql)", values: conditions.values) {
                $0.int64(0)
            }.first ?? 0
        }
    }

    public func balanceCents(tenantID: String) throws -> Int64 {
        try withDatabase { try Self.balance(of: tenantID, in: $0) }
    }

    /// The tenant's balance, read on the caller's connection (inside its transaction).
    static func balance(of tenantID: String, in database: any SQLDatabase) throws -> Int64 {
        try database.query("SELECT balance_cents FROM credit_balances WHERE tenant_id = ?", tenantID) { $0.int64(0) }.first ?? 0
    }

    private static let movementColumns = "id, tenant_id, at, kind, amount_cents, balance_after_cents, cdr_id, note"

    private static func movement(_ row: SQLRow) throws -> CreditMovement {
        guard let kind = CreditMovement.Kind(rawValue: row.text(3)) else {
            throw StoreError(.invalid, "credit movement \(row.int64(0)) has an unknown kind '\(row.text(3))'")
        }
        return CreditMovement(
            id: row.int64(0), tenantID: row.text(1), at: row.int64(2), kind: kind, amountCents: row.int64(4),
            balanceAfterCents: row.int64(5), cdrID: row.optionalText(6), note: row.text(7))
    }

    public func creditMovements(tenantID: String, from: Int64?, to: Int64?) throws -> [CreditMovement] {
        try withDatabase {
            try $0.query(
                "SELECT \(Self.movementColumns) FROM credit_movements WHERE tenant_id = ? AND at >= ? AND at < ? ORDER BY at, id",
                values: [tenantID, from ?? .min, to ?? .max], row: Self.movement)
        }
    }

    /// One IMMEDIATE transaction: the balance is read under the write lock, so two
    /// processes (the server debiting a call, the CLI recharging) never lose an update.
    @discardableResult
    public func applyCreditMovement(_ movement: CreditMovement) throws -> CreditMovement {
        try write { database in try Self.apply(movement, in: database) }
    }

    /// Changes the balance and logs the movement, inside the caller's transaction.
    static func apply(_ movement: CreditMovement, in database: any SQLDatabase) throws -> CreditMovement {
        let before = try balance(of: movement.tenantID, in: database)
        var applied = movement
        applied.balanceAfterCents = before + movement.amountCents
        try database.execute(
            """
            INSERT INTO credit_balances (tenant_id, balance_cents) VALUES (?, ?)
            ON CONFLICT (tenant_id) DO UPDATE SET balance_cents = excluded.balance_cents
            """,
            movement.tenantID, applied.balanceAfterCents)
        applied.id = try database.query(
            """
            INSERT INTO credit_movements (tenant_id, at, kind, amount_cents, balance_after_cents, cdr_id, note)
            VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
            """,
            values: [
                movement.tenantID, movement.at, movement.kind.rawValue, movement.amountCents, applied.balanceAfterCents,
                movement.cdrID, movement.note,
            ]) { $0.int64(0) }.first
        return applied
    }

    // MARK: - Invoices

    private static let invoiceColumns = "id, tenant_id, period_from, period_to, amount_cents, due_at, paid_at, status"

    private static func invoice(_ row: SQLRow) throws -> Invoice {
        guard let status = Invoice.Status(rawValue: row.text(7)) else {
            throw StoreError(.invalid, "invoice \(row.text(0)) has an unknown status '\(row.text(7))'")
        }
        return Invoice(
            id: row.text(0), tenantID: row.text(1), periodFrom: row.int64(2), periodTo: row.int64(3), amountCents: row.int64(4),
            dueAt: row.int64(5), paidAt: row.optionalInt64(6), storedStatus: status)
    }

    public func invoices(tenantID: String) throws -> [Invoice] {
        try withDatabase {
            try $0.query(
                "SELECT \(Self.invoiceColumns) FROM invoices WHERE tenant_id = ? ORDER BY period_from, id", tenantID, row: Self.invoice)
        }
    }

    public func save(_ invoice: Invoice) throws {
        try withDatabase { database in
            try database.execute(
                """
                INSERT INTO invoices (\(Self.invoiceColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, period_from = excluded.period_from,
                    period_to = excluded.period_to, amount_cents = excluded.amount_cents, due_at = excluded.due_at,
                    paid_at = excluded.paid_at, status = excluded.status
                """,
                values: [
                    invoice.id, invoice.tenantID, invoice.periodFrom, invoice.periodTo, invoice.amountCents, invoice.dueAt,
                    invoice.paidAt, invoice.storedStatus.rawValue,
                ])
        }
    }
}

extension SQLStore: CallDataSource {}
