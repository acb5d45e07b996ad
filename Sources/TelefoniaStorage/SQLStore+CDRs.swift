import TelefoniaCore

extension SQLStore {
    static let cdrColumns = """
        id, tenant_id, line, direction, caller, dialled, normalized, number_class, started_at, answered_at, \
        ended_at, disposition, sip_cause, reason, trunk_id, cost_cents
        """

    /// One autocommit INSERT: committed (and, in WAL mode, safe from a killed
    /// process) when it returns.
    public func append(_ cdr: CDR) throws {
        do {
            try withDatabase { database in
                try Self.insert(cdr, into: database)
                // Only an answered prepaid call holds credit.
                if cdr.answeredAt != nil { try Self.endCreditHold(callID: cdr.id, in: database) }
            }
        } catch let error as StoreError where error.code == .duplicate {
            throw StoreError(.duplicate, "a CDR with id \(cdr.id) is already recorded")
        }
    }

    /// The record of a finished call and, for a prepaid call that cost something, its
    /// debit: one transaction, committed (durable) when it returns, so a call is never
    /// recorded without its debit nor debited without its record.
    public func record(_ cdr: CDR, debit: CreditMovement?) throws {
        guard let debit else { return try append(cdr) }
        do {
            try write { database in
                try Self.insert(cdr, into: database)
                _ = try Self.apply(debit, in: database)
                try Self.endCreditHold(callID: cdr.id, in: database)
            }
        } catch let error as StoreError where error.code == .duplicate {
            throw StoreError(.duplicate, "a CDR with id \(cdr.id) is already recorded")
        }
    }

    static func insert(_ cdr: CDR, into database: any SQLDatabase) throws {
        try database.execute(
            "INSERT INTO cdrs (\(cdrColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            values: [
                cdr.id, cdr.tenantID, cdr.line, cdr.direction.rawValue, cdr.caller, cdr.dialled, cdr.normalized,
                cdr.numberClass?.rawValue, cdr.startedAt, cdr.answeredAt, cdr.endedAt, cdr.disposition.rawValue,
                cdr.sipCause, cdr.reason, cdr.trunkID, cdr.costCents,
            ]
        )
    }

    public func cdrs(_ filter: CDRFilter) throws -> [CDR] {
        var conditions = SQLConditions()
        conditions.equal("tenant_id", filter.tenantID)
        conditions.equal("line", filter.line)
        conditions.period(from: filter.from, to: filter.to)
        conditions.equal("disposition", filter.disposition?.rawValue)
        conditions.equal("direction", filter.direction?.rawValue)
        conditions.number(filter.number)
        conditions.contains("reason", filter.reason)
        var values = conditions.values
        let whereClause = " WHERE " + conditions.sql
        // LIMIT -1 is SQLite for "no limit".
        values.append(filter.limit.map { max($0, 0) } ?? Int.max)
        values.append(max(filter.offset ?? 0, 0))
        let sql = "SELECT \(Self.cdrColumns) FROM cdrs\(whereClause) ORDER BY started_at, id LIMIT ? OFFSET ?"
        return try withDatabase { try $0.query(sql, values: values, row: Self.cdr) }
    }

    static func cdr(_ row: SQLRow) throws -> CDR {
        let id = row.text(0)
        guard let direction = CallDirection(rawValue: row.text(3)) else {
            throw StoreError(.invalid, "CDR \(id) has an unknown direction '\(row.text(3))'")
        }
        guard let disposition = Disposition(rawValue: row.text(11)) else {
            throw StoreError(.invalid, "CDR \(id) has an unknown disposition '\(row.text(11))'")
        }
        var numberClass: NumberClass?
        if let text = row.optionalText(7) {
            guard let value = NumberClass(rawValue: text) else {
                throw StoreError(.invalid, "CDR \(id) has an unknown number class '\(text)'")
            }
            numberClass = value
        }
        return CDR(
            id: id, tenantID: row.text(1), line: row.optionalText(2), direction: direction, caller: row.text(4),
            dialled: row.text(5), normalized: row.text(6), numberClass: numberClass, startedAt: row.int64(8),
            answeredAt: row.optionalInt64(9), endedAt: row.int64(10), disposition: disposition,
            sipCause: row.int(12), reason: row.text(13), trunkID: row.optionalText(14),
            costCents: row.optionalInt64(15)
        )
    }
}
