/// Limits and defaults of the report settings.
public enum ReportSettings {
    /// Rows per page until the tenant chooses (P6).
    public static let defaultPageSize = 50
    /// Allowed page sizes.
    public static let pageSizes = 1...1000

    /// Throws `invalid` unless `rows` is an allowed page size.
    public static func validate(pageSize rows: Int) throws {
        guard pageSizes.contains(rows) else {
            throw StoreError(.invalid, "a report page holds \(pageSizes.lowerBound) to \(pageSizes.upperBound) rows, not \(rows)")
        }
    }
}
