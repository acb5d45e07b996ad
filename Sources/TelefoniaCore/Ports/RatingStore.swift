/// Balances, the credit log and invoices: what reports and the dashboard read
/// about money. Implemented by `SQLStore` and `MemoryStore`.
/// (Tariff plans and their storage are declared with the rating code.)
public protocol RatingStore: AnyObject, Sendable {
    /// Current prepaid balance in cents (0 when the tenant never had credit).
    func balanceCents(tenantID: String) throws -> Int64
    /// Movements of a tenant's balance in [from, to) (unix ms), oldest first.
    func creditMovements(tenantID: String, from: Int64?, to: Int64?) throws -> [CreditMovement]
    /// Applies a movement atomically: the balance changes and the row is logged in one
    /// transaction; returns the movement with its id and balance after.
    @discardableResult func applyCreditMovement(_ movement: CreditMovement) throws -> CreditMovement
    /// Durably records a finished call (`Store.append`) and, when given, its prepaid
    /// debit, in one transaction: both or neither.
    func record(_ cdr: CDR, debit: CreditMovement?) throws
    func invoices(tenantID: String) throws -> [Invoice]
    func save(_ invoice: Invoice) throws
}
