/// Postpaid invoices (P4): one per tenant and period, for the cost of the calls the
/// period's CDRs record.
public struct Invoicing {
    /// What `generate` made.
    public struct Result: Sendable, Equatable {
        public var invoice: Invoice
        /// CDRs of the period that cost something.
        public var pricedCalls: Int
        /// CDRs of the period without a cost (made before the tenant had a plan).
        public var unratedCalls: Int
    }

    private let store: any Store
    private let rating: any TariffStore & RatingStore

    public init(store: any Store, rating: any TariffStore & RatingStore) {
        self.store = store
        self.rating = rating
    }

    /// Invoices the tenant's calls started in [from, to) (unix ms), due at `dueAt`
    /// (the instant it becomes overdue). The id is the tenant's id and a sequence
    /// number, "acme-0001". Refused for a tenant without a postpaid plan (prepaid calls
    /// are paid from the balance), for an empty period and for a period that overlaps
    /// one already invoiced.
    public func generate(tenantID: String, from: Int64, to: Int64, dueAt: Int64) throws -> Result {
        guard try store.tenant(id: tenantID) != nil else { throw RatingError(.notFound, "unknown tenant \(tenantID)") }
        guard let plan = try rating.tariffPlan(tenantID: tenantID) else {
            throw RatingError(.noPlan, "tenant \(tenantID) has no tariff plan; put it on a postpaid plan first")
        }
        guard plan.kind == .postpaid else {
            throw RatingError(.noPlan, "tenant \(tenantID) is on prepaid plan \(plan.id): its calls are paid from its balance, not invoiced")
        }
        guard from < to else { throw RatingError(.invalidPeriod, "the period must end after it starts") }
        guard dueAt >= to else { throw RatingError(.invalidPeriod, "the due date must not be before the end of the period") }
        let existing = try rating.invoices(tenantID: tenantID)
        if let clash = existing.first(where: { $0.periodFrom < to && from < $0.periodTo }) {
            throw RatingError(.invalidPeriod, "the period overlaps invoice \(clash.id) of tenant \(tenantID)")
        }
        let records = try store.cdrs(CDRFilter(tenantID: tenantID, from: from, to: to))
        let amount = records.reduce(Int64(0)) { $0 + ($1.costCents ?? 0) }
        let sequence = existing.compactMap { Int($0.id.split(separator: "-").last ?? "") }.max() ?? 0
        let number = String(sequence + 1)
        let id = "\(tenantID)-" + String(repeating: "0", count: max(0, 4 - number.count)) + number
        let invoice = Invoice(id: id, tenantID: tenantID, periodFrom: from, periodTo: to, amountCents: amount, dueAt: dueAt)
        try rating.save(invoice)
        return Result(
            invoice: invoice, pricedCalls: records.filter { ($0.costCents ?? 0) > 0 }.count,
            unratedCalls: records.filter { $0.costCents == nil }.count)
    }

    /// Marks an invoice paid at `now`; refused when it is unknown or already paid.
    @discardableResult
    public func pay(invoiceID: String, now: Int64) throws -> Invoice {
        for tenant in try store.tenants() {
            guard var invoice = try rating.invoices(tenantID: tenant.id).first(where: { $0.id == invoiceID }) else { continue }
            if invoice.status(at: now) == .paid {
                throw RatingError(.invalidPeriod, "invoice \(invoiceID) is already paid")
            }
            invoice.paidAt = now
            invoice.storedStatus = .paid
            try rating.save(invoice)
            return invoice
        }
        throw RatingError(.notFound, "unknown invoice \(invoiceID)")
    }
}
