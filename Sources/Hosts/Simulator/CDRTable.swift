import TelefoniaCore

/// CDRs as an aligned text table for the terminal (the CSV export is for machines).
enum CDRTable {
    static let header = ["id", "direction", "caller", "dialled", "normalized", "class", "disposition", "cause", "billable", "reason"]

    /// One row per CDR under a header; columns padded to their widest cell.
    static func render(_ cdrs: [CDR]) -> String {
        let rows = [header] + cdrs.map { cdr in
            [
                cdr.id, cdr.direction.rawValue, cdr.caller, cdr.dialled, cdr.normalized, cdr.numberClass?.rawValue ?? "-",
                cdr.disposition.rawValue, String(cdr.sipCause), "\(cdr.billableSeconds) s", cdr.reason,
            ]
        }
        var widths = Array(repeating: 0, count: header.count)
        for row in rows {
            for (column, cell) in row.enumerated() {
                widths[column] = max(widths[column], cell.count)
            }
        }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
