/// The WHERE conditions of a CDR query and their values, in order (plain `?` only).
/// One place for how each filter becomes SQL, shared by `cdrs(_:)` and the reports.
struct SQLConditions {
    private(set) var parts: [String] = []
    private(set) var values: [any SQLBindable] = []

    /// `column = ?` when `value` is set.
    mutating func equal(_ column: String, _ value: (any SQLBindable)?) {
        guard let value else { return }
        parts.append("\(column) = ?")
        values.append(value)
    }

    /// `started_at` in [from, to) for the bounds that are set.
    mutating func period(from: Int64?, to: Int64?) {
        if let from {
            parts.append("started_at >= ?")
            values.append(from)
        }
        if let to {
            parts.append("started_at < ?")
            values.append(to)
        }
    }

    /// The caller, dialled or normalised number contains `number`. instr, not LIKE:
    /// '%' and '_' in the user's text are not wildcards.
    mutating func number(_ number: String?) {
        guard let number, !number.isEmpty else { return }
        parts.append("(instr(caller, ?) > 0 OR instr(dialled, ?) > 0 OR instr(normalized, ?) > 0)")
        values += [number, number, number]
    }

    /// `column` contains `text` (instr, so '%' and '_' are plain characters).
    mutating func contains(_ column: String, _ text: String?) {
        guard let text, !text.isEmpty else { return }
        parts.append("instr(\(column), ?) > 0")
        values.append(text)
    }

    mutating func append(_ condition: String, _ conditionValues: [any SQLBindable] = []) {
        parts.append(condition)
        values += conditionValues
    }

    /// The conditions joined with AND ("1 = 1" when there are none: both engines' true).
    var sql: String { parts.isEmpty ? "1 = 1" : parts.joined(separator: " AND ") }
}
