import Foundation

/// The subscriber's reports (the manual's section 10) and dashboard (section 3), as
/// queries over the `ReportStore` port and, for money, the `RatingStore`.
///
/// Every report takes a `ReportFilter` and a page: `page: nil` returns the whole
/// report (CSV export), a page number returns that page of the tenant's page size
/// (P6) unless `pageSize` is given.
public struct Reports: Sendable {
    public var store: any ReportStore
    /// Balances, credit log and invoices; the credit report and the dashboard's money need it.
    public var rating: (any RatingStore)?
    /// The tenant's clock: "today" for the dashboard.
    public var timeZone: TimeZone

    public init(store: any ReportStore, rating: (any RatingStore)? = nil, timeZone: TimeZone = .current) {
        self.store = store
        self.rating = rating
        self.timeZone = timeZone
    }

    /// Directions of the placed calls report: to public numbers and to other lines.
    public static let placedDirections: Set<CallDirection> = [.outbound, .internalCall]

    // MARK: - R1, R2: calls

    /// R1 "Ligações efetuadas": outbound and internal calls placed by the tenant's lines.
    public func placedCalls(_ filter: ReportFilter, page: Int?, pageSize: Int? = nil) throws -> ReportPage<CallReportRow> {
        try calls(filter.narrowed(to: Self.placedDirections), page: page, pageSize: pageSize, row: CallReportRow.placed)
    }

    /// R2 "Ligações recebidas - DID": calls that came in from the carrier to the tenant's DIDs.
    public func receivedCalls(_ filter: ReportFilter, page: Int?, pageSize: Int? = nil) throws -> ReportPage<CallReportRow> {
        try calls(filter.narrowed(to: [.inbound]), page: page, pageSize: pageSize, row: CallReportRow.received)
    }

    private func calls(
        _ filter: ReportFilter, page: Int?, pageSize: Int?, row: (CDR) -> CallReportRow
    ) throws -> ReportPage<CallReportRow> {
        guard let page else {
            let (total, records) = try store.reportCalls(filter, limit: nil, offset: 0)
            return ReportPage(rows: records.map(row), total: total, page: 1, pageSize: nil)
        }
        let size = try self.pageSize(pageSize, page: page, tenantID: filter.tenantID)
        let (total, records) = try store.reportCalls(filter, limit: size, offset: (page - 1) * size)
        return ReportPage(rows: records.map(row), total: total, page: page, pageSize: size)
    }

    // MARK: - R5: credit

    /// R5 "Relatório de créditos": movements of the prepaid balance in the period,
    /// oldest first. `filter.number` matches the movement's note; the call filters
    /// (line, direction, disposition, destination) do not apply.
    public func creditMovements(_ filter: ReportFilter, page: Int?, pageSize: Int? = nil) throws -> ReportPage<CreditMovement> {
        guard let rating else {
            throw StoreError(.invalid, "the credit report needs the rating store (balances and credit log)")
        }
        var movements = try rating.creditMovements(tenantID: filter.tenantID, from: filter.from, to: filter.to)
        if let number = filter.number, !number.isEmpty {
            movements = movements.filter { $0.note.contains(number) }
        }
        let size = try page.map { try self.pageSize(pageSize, page: $0, tenantID: filter.tenantID) } ?? 0
        return .slicing(movements, page: page, pageSize: size)
    }

    // MARK: - R6, R7: grouped

    /// R6 "Relatório agrupado de linhas": calls placed per line, with a total row.
    public func lines(_ filter: ReportFilter, page: Int?, pageSize: Int? = nil) throws -> ReportPage<LineUsage> {
        let rows = try store.lineUsage(filter.narrowed(to: Self.placedDirections))
        let size = try page.map { try self.pageSize(pageSize, page: $0, tenantID: filter.tenantID) } ?? 0
        var result = ReportPage.slicing(rows, page: page, pageSize: size)
        result.summary = LineUsage.total(of: rows)
        return result
    }

    /// R7 "Relatório por prefixo": outbound calls per destination prefix, most called
    /// first, with a total row. Internal calls have no prefix and are left out.
    public func prefixes(_ filter: ReportFilter, page: Int?, pageSize: Int? = nil) throws -> ReportPage<PrefixUsage> {
        let rows = try store.prefixUsage(filter.narrowed(to: [.outbound]))
        let size = try page.map { try self.pageSize(pageSize, page: $0, tenantID: filter.tenantID) } ?? 0
        var result = ReportPage.slicing(rows, page: page, pageSize: size)
        result.summary = PrefixUsage.total(of: rows)
        return result
    }

    // MARK: - P2: dashboard

    /// The home page at `now` (unix ms): money owed, balance and today's calls per hour.
    /// Without a rating store the money figures are 0.
    public func dashboard(tenantID: String, now: Int64) throws -> Dashboard {
        var overdue: Int64 = 0
        var unpaid: Int64 = 0
        var balance: Int64 = 0
        if let rating {
            for invoice in try rating.invoices(tenantID: tenantID) {
                switch invoice.status(at: now) {
                case .paid: break
                case .open: unpaid += invoice.amountCents
                case .overdue:
                    unpaid += invoice.amountCents
                    overdue += invoice.amountCents
                }
            }
            balance = try rating.balanceCents(tenantID: tenantID)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let midnight = calendar.startOfDay(for: Date(timeIntervalSince1970: Double(now) / 1000))
        let from = Int64((midnight.timeIntervalSince1970 * 1000).rounded())
        let filter = ReportFilter(tenantID: tenantID, from: from, to: from + 24 * 3_600_000, directions: [.outbound])
        return Dashboard(overdueCents: overdue, unpaidCents: unpaid, balanceCents: balance, hours: try store.hourlyCalls(filter))
    }

    // MARK: - Pages

    private func pageSize(_ requested: Int?, page: Int, tenantID: String) throws -> Int {
        guard page >= 1 else { throw StoreError(.invalid, "pages are numbered from 1, not \(page)") }
        if let requested {
            try ReportSettings.validate(pageSize: requested)
            return requested
        }
        return try store.reportPageSize(tenantID: tenantID)
    }
}
