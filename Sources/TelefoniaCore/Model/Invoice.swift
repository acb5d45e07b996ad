/// A bill of a tenant for a period (P4).
public struct Invoice: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case open, overdue, paid
    }
    public var id: String
    public var tenantID: String
    /// Period covered, unix milliseconds, [from, to).
    public var periodFrom: Int64
    public var periodTo: Int64
    public var amountCents: Int64
    /// Unix milliseconds.
    public var dueAt: Int64
    public var paidAt: Int64?
    /// Stored status; `status(at:)` derives overdue from the due date.
    public var storedStatus: Status

    public init(id: String, tenantID: String, periodFrom: Int64, periodTo: Int64, amountCents: Int64, dueAt: Int64, paidAt: Int64? = nil, storedStatus: Status = .open) {
        self.id = id
        self.tenantID = tenantID
        self.periodFrom = periodFrom
        self.periodTo = periodTo
        self.amountCents = amountCents
        self.dueAt = dueAt
        self.paidAt = paidAt
        self.storedStatus = storedStatus
    }

    /// Paid when paid; overdue when open past its due date; open otherwise.
    public func status(at now: Int64) -> Status {
        if paidAt != nil || storedStatus == .paid { return .paid }
        return now >= dueAt ? .overdue : .open
    }
}
