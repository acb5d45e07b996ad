import TelefoniaCore

extension SQLStore {
    /// Inserts many call records in one transaction with one prepared statement:
    /// for imports and for generating benchmark data (a million rows in seconds,
    /// where one `append` per row would commit a million times). All or nothing:
    /// a duplicate id rolls the whole batch back. Returns how many were inserted.
    @discardableResult
    public func importCDRs(_ cdrs: some Sequence<CDR>) throws -> Int {
        let sql = "INSERT INTO cdrs (\(Self.cdrColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        return try write { database in
            var count = 0
            for cdr in cdrs {
                try database.execute(sql, values: [
                    cdr.id, cdr.tenantID, cdr.line, cdr.direction.rawValue, cdr.caller, cdr.dialled, cdr.normalized,
                    cdr.numberClass?.rawValue, cdr.startedAt, cdr.answeredAt, cdr.endedAt, cdr.disposition.rawValue,
                    cdr.sipCause, cdr.reason, cdr.trunkID, cdr.costCents,
                ])
                count += 1
            }
            return count
        }
    }
}
