/// One page of a report: its rows and where they sit in the whole report (P6).
public struct ReportPage<Row: Sendable>: Sendable {
    public var rows: [Row]
    /// Rows in the whole report (all pages).
    public var total: Int
    /// 1-based page number.
    public var page: Int
    /// Rows per page; nil when the page is the whole report (CSV export).
    public var pageSize: Int?
    /// The sum over the whole report, for grouped reports (R6, R7).
    public var summary: Row?

    public init(rows: [Row], total: Int, page: Int, pageSize: Int?, summary: Row? = nil) {
        self.rows = rows
        self.total = total
        self.page = page
        self.pageSize = pageSize
        self.summary = summary
    }

    /// How many pages the report has (at least 1, so an empty report is "page 1 of 1").
    public var pageCount: Int {
        guard let pageSize, pageSize > 0 else { return 1 }
        return max(1, (total + pageSize - 1) / pageSize)
    }

    /// Pages an already complete list of rows.
    static func slicing(_ all: [Row], page: Int?, pageSize: Int) -> ReportPage<Row> {
        guard let page else { return ReportPage(rows: all, total: all.count, page: 1, pageSize: nil) }
        let start = min(all.count, (page - 1) * pageSize)
        let end = min(all.count, start + pageSize)
        return ReportPage(rows: Array(all[start..<end]), total: all.count, page: page, pageSize: pageSize)
    }
}

extension ReportPage: Equatable where Row: Equatable {}
