/// One change of a tenant's prepaid balance (R5): a call's debit, a recharge or an adjustment.
public struct CreditMovement: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case call, recharge, adjustment
    }
    public var id: Int64?
    public var tenantID: String
    /// Unix milliseconds.
    public var at: Int64
    public var kind: Kind
    /// Signed cents: negative for a call's debit, positive for a recharge.
    public var amountCents: Int64
    /// Balance after this movement, in cents.
    public var balanceAfterCents: Int64
    /// The CDR id for a call debit.
    public var cdrID: String?
    /// Who or what made it, e.g. "operator", "call 1000 → +5511987654321".
    public var note: String

    public init(id: Int64? = nil, tenantID: String, at: Int64, kind: Kind, amountCents: Int64, balanceAfterCents: Int64, cdrID: String? = nil, note: String) {
        self.id = id
        self.tenantID = tenantID
        self.at = at
        self.kind = kind
        self.amountCents = amountCents
        self.balanceAfterCents = balanceAfterCents
        self.cdrID = cdrID
        self.note = note
    }
}
