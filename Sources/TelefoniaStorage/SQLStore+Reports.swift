import TelefoniaCore

/// The reports as SQL aggregates: only the rows of a page or the groups leave SQLite.
/// Every query is keyed by tenant and start time (`cdrs_report`, a covering index, or
/// `cdrs_tenant_line_start` with a line). `MemoryStore+Reports.swift` computes the
/// same results in Swift; the storage tests run both on the same records.
extension SQLStore: ReportStore {
    public func reportCalls(_ filter: ReportFilter, limit: Int?, offset: Int) throws -> (total: Int, records: [CDR]) {
        let (conditions, values) = Self.conditions(filter)
        let count = "SELECT count(*) FROM cdrs WHERE \(conditions)"
        // LIMIT -1 is SQLite for "no limit".
        let page = "SELECT \(Self.cdrColumns) FROM cdrs WHERE \(conditions) ORDER BY started_at, id LIMIT ? OFFSET ?"
        return try withDatabase { database in
            // One read transaction: the count and the rows see the same records.
            try database.readTransaction {
                let total = try database.query(count, values: values) { $0.int(0) }.first ?? 0
                let records = try database.query(
                    page, values: values + [limit.map { max($0, 0) } ?? Int.max, max(offset, 0)], row: Self.cdr
                )
                return (total, records)
            }
        }
    }

    public func lineUsage(_ filter: ReportFilter) throws -> [LineUsage] {
        if let fromDaily = try lineUsageFromDailySummary(filter) { return fromDaily }
        let (conditions, values) = Self.conditions(filter)
        let sql = """
            SELECT line, count(*), sum(disposition = '\(Disposition.answered.rawValue)'), sum(\(Self.talkSeconds)),
                sum(number_class IN \(Self.classList(.fixed))), sum(number_class IN \(Self.classList(.mobile))),
                sum(number_class IN \(Self.classList(.international))), sum(cost_cents)
            FROM cdrs WHERE \(conditions) GROUP BY line ORDER BY line
            """
        return try withDatabase { database in
            try database.query(sql, values: values) { row in
                LineUsage(
                    line: row.optionalText(0), calls: row.int(1), answered: row.int(2), talkSeconds: row.int(3),
                    fixed: row.int(4), mobile: row.int(5), international: row.int(6), costCents: row.int64(7)
                )
            }
        }
    }

    /// R6 from `cdr_line_daily` when the filter allows it: a period of whole UTC days
    /// and no filter the summary does not keep (number, disposition, destination).
    /// Nil otherwise: the caller reads the records themselves.
    private func lineUsageFromDailySummary(_ filter: ReportFilter) throws -> [LineUsage]? {
        let day: Int64 = 86_400_000
        guard let from = filter.from, let to = filter.to, from % day == 0, to % day == 0,
              filter.number?.isEmpty ?? true, filter.disposition == nil, filter.destination == nil else { return nil }
        var conditions = SQLConditions()
        conditions.equal("tenant_id", filter.tenantID)
        conditions.append("day >= ? AND day < ?", [from, to])
        conditions.equal("line", filter.line)
        if let directions = filter.directions {
            let (condition, names) = Self.directionCondition(directions)
            conditions.append(condition, names)
        }
        let sql = """
            SELECT line, sum(calls), sum(answered), sum(talk_seconds), sum(fixed), sum(mobile), sum(international),
                sum(cost_cents)
            FROM cdr_line_daily WHERE \(conditions.sql) GROUP BY line ORDER BY line
            """
        return try withDatabase { database in
            try database.query(sql, values: conditions.values) { row in
                let line = row.text(0)
                return LineUsage(
                    line: line.isEmpty ? nil : line, calls: row.int(1), answered: row.int(2), talkSeconds: row.int(3),
                    fixed: row.int(4), mobile: row.int(5), international: row.int(6), costCents: row.int64(7)
                )
            }
        }
    }

    public func prefixUsage(_ filter: ReportFilter) throws -> [PrefixUsage] {
        let (conditions, values) = Self.conditions(filter)
        let congestion = CallOutcome.congestionCauses.sorted().map(String.init).joined(separator: ", ")
        let sql = """
            SELECT \(Self.prefixExpression) AS prefix, count(*) AS calls,
                sum(disposition = '\(Disposition.answered.rawValue)'), sum(\(Self.talkSeconds)),
                sum(disposition = '\(Disposition.busy.rawValue)'), sum(disposition = '\(Disposition.cancelled.rawValue)'),
                sum(disposition = '\(Disposition.noAnswer.rawValue)'),
                sum(disposition = '\(Disposition.failed.rawValue)' AND sip_cause IN (\(congestion)))
            FROM cdrs WHERE \(conditions) GROUP BY prefix ORDER BY calls DESC, prefix
            """
        return try withDatabase { database in
            try database.query(sql, values: values) { row in
                var usage = PrefixUsage(
                    prefix: row.text(0), total: row.int(1), answered: row.int(2), talkSeconds: row.int(3), busy: row.int(4),
                    cancelled: row.int(5), noAnswer: row.int(6), congestion: row.int(7)
                )
                // Every call lands in exactly one column (`CallOutcome`); the rest are other failures.
                usage.otherFailure = usage.total - usage.answered - usage.busy - usage.cancelled - usage.noAnswer
                    - usage.congestion
                return usage
            }
        }
    }

    public func hourlyCalls(_ filter: ReportFilter) throws -> [HourlyCalls] {
        guard let from = filter.from else { throw StoreError(.invalid, "hourly calls need the start of the day") }
        let (conditions, values) = Self.conditions(filter)
        let sql = """
            SELECT (started_at - ?) / 3600000 AS hour, sum(number_class IN \(Self.classList(.mobile))),
                sum(number_class IN \(Self.classList(.fixed)))
            FROM cdrs WHERE \(conditions) GROUP BY hour
            """
        var hours = (0..<24).map { HourlyCalls(hour: $0) }
        try withDatabase { database in
            for (hour, mobile, fixed) in try database.query(sql, values: [from] + values, row: { ($0.int(0), $0.int(1), $0.int(2)) })
            where hours.indices.contains(hour) {
                hours[hour].mobile = mobile
                hours[hour].fixed = fixed
            }
        }
        return hours
    }

    public func reportPageSize(tenantID: String) throws -> Int {
        try withDatabase { database in
            try database.query("SELECT page_size FROM report_settings WHERE tenant_id = ?", tenantID) { $0.int(0) }.first
        } ?? ReportSettings.defaultPageSize
    }

    public func setReportPageSize(_ rows: Int, tenantID: String) throws {
        try ReportSettings.validate(pageSize: rows)
        try write { database in
            if try database.query("SELECT 1 FROM tenants WHERE id = ?", tenantID, row: { _ in 1 }).isEmpty {
                throw StoreError(.notFound, "unknown tenant \(tenantID)")
            }
            try database.execute(
                """
                INSERT INTO report_settings (tenant_id, page_size) VALUES (?, ?)
                ON CONFLICT (tenant_id) DO UPDATE SET page_size = excluded.page_size
                """,
                tenantID, rows
            )
        }
    }

    /// Deletes in batches of `purgeBatch` rows, one transaction each, so the server's
    /// CDR inserts wait at most one batch for the write lock.
    @discardableResult
    public func purgeCDRs(olderThan cutoff: Int64) throws -> Int {
        var removed = 0
        while true {
            let batch = try write { database in
                try database.execute(
                    "DELETE FROM cdrs WHERE rowid IN (SELECT rowid FROM cdrs WHERE started_at < ? LIMIT ?)",
                    cutoff, Self.purgeBatch
                )
            }
            removed += batch
            if batch < Self.purgeBatch { return removed }
        }
    }

    static let purgeBatch = 10_000

    // MARK: - SQL pieces

    /// The WHERE conditions of a filter and their values, in order (plain `?` only).
    static func conditions(_ filter: ReportFilter) -> (sql: String, values: [any SQLBindable]) {
        var conditions = SQLConditions()
        conditions.equal("tenant_id", filter.tenantID)
        conditions.period(from: filter.from, to: filter.to)
        conditions.equal("line", filter.line)
        if let directions = filter.directions {
            let (condition, names) = Self.directionCondition(directions)
            conditions.append(condition, names)
        }
        conditions.equal("disposition", filter.disposition?.rawValue)
        if let destination = filter.destination {
            conditions.append("number_class IN \(classList(destination))")
        }
        conditions.number(filter.number)
        return (conditions.sql, conditions.values)
    }

    /// `direction IN (?, …)` with its values (sorted, so the SQL text is stable for the statement cache).
    static func directionCondition(_ directions: Set<CallDirection>) -> (String, [any SQLBindable]) {
        let names = directions.map(\.rawValue).sorted()
        return (names.isEmpty ? "0" : "direction IN (\(names.map { _ in "?" }.joined(separator: ", ")))", names)
    }

    /// "('fixed-local', 'fixed-ldn')": the classes are our own constants, not user text.
    static func classList(_ kind: DestinationKind) -> String {
        "(" + kind.classes.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
    }

    /// `CDR.billableSeconds` in SQL (integer division truncates as Swift's does).
    static let talkSeconds = "CASE WHEN answered_at IS NULL THEN 0 ELSE (ended_at - answered_at + 500) / 1000 END"

    /// `ReportPrefix.of(normalized:numberClass:)` in SQL.
    static let prefixExpression: String = {
        let twoDigit = ReportPrefix.twoDigitCountryCodes.sorted().map { "'\($0)'" }.joined(separator: ", ")
        return """
            CASE
                WHEN number_class = '\(NumberClass.emergency.rawValue)' THEN normalized
                WHEN substr(normalized, 1, 1) <> '+' THEN ''
                WHEN substr(normalized, 2, 2) = '55'
                    THEN substr(normalized, 2, CASE WHEN number_class = '\(NumberClass.tollFree.rawValue)' THEN 5 ELSE 4 END)
                WHEN substr(normalized, 2, 1) IN ('1', '7') THEN substr(normalized, 2, 1)
                WHEN substr(normalized, 2, 2) IN (\(twoDigit)) THEN substr(normalized, 2, 2)
                ELSE substr(normalized, 2, 3)
            END
            """
    }()
}

extension SQLDatabase {
    /// Runs `body` in a read transaction so several queries see one snapshot (WAL;
    /// REPEATABLE READ on PostgreSQL).
    func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute(dialect == .sqlite ? "BEGIN DEFERRED" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        defer { _ = try? execute("COMMIT") }
        return try body()
    }
}
