/// What the reports (R1–R7, P2) need from storage: call records and their
/// aggregates, the page size setting (P6) and CDR retention. `SQLStore`
/// aggregates in SQL; `MemoryStore` computes the same results in Swift.
public protocol ReportStore: AnyObject, Sendable {
    /// Call records matching `filter` in start order (then id), skipping `offset` and
    /// returning at most `limit` (all when nil), with the number of all matching records.
    func reportCalls(_ filter: ReportFilter, limit: Int?, offset: Int) throws -> (total: Int, records: [CDR])

    /// Matching records grouped by line (R6), ordered by line (no line first).
    func lineUsage(_ filter: ReportFilter) throws -> [LineUsage]

    /// Matching records grouped by `ReportPrefix` (R7), most calls first, then by prefix.
    func prefixUsage(_ filter: ReportFilter) throws -> [PrefixUsage]

    /// Matching calls to fixed and mobile numbers counted per hour since `filter.from`
    /// (which must be set): entries 0–23, hours without calls included.
    func hourlyCalls(_ filter: ReportFilter) throws -> [HourlyCalls]

    /// Rows per report page for the tenant (P6); `ReportSettings.defaultPageSize` until set.
    func reportPageSize(tenantID: String) throws -> Int
    /// Stores the tenant's page size; it must be within `ReportSettings.pageSizes`.
    func setReportPageSize(_ rows: Int, tenantID: String) throws

    /// Deletes call records that started before `cutoff` (unix ms) and returns how
    /// many went: the retention purge (90 days by default, `CDRRetention`).
    @discardableResult func purgeCDRs(olderThan cutoff: Int64) throws -> Int
}
