/// How a call attempt ended.
public enum Disposition: String, Sendable, Codable, CaseIterable {
    case answered = "ANSWERED"
    case busy = "BUSY"
    case noAnswer = "NO ANSWER"
    case cancelled = "CANCELLED"
    case failed = "FAILED"
    case denied = "DENIED"
}

/// Direction of a call seen from the tenant.
public enum CallDirection: String, Sendable, Codable {
    case internalCall = "internal"
    case outbound
    case inbound
}

/// Call detail record: one per call attempt, written when the call ends.
public struct CDR: Sendable, Equatable, Codable {
    public var id: String
    public var tenantID: String
    /// Extension of the tenant's line involved (caller for internal/outbound, callee for inbound).
    public var line: String?
    public var direction: CallDirection
    public var caller: String
    public var dialled: String
    /// E.164 (or extension for internal calls, short code for emergency).
    public var normalized: String
    public var numberClass: NumberClass?
    /// Unix milliseconds.
    public var startedAt: Int64
    public var answeredAt: Int64?
    public var endedAt: Int64
    public var disposition: Disposition
    /// Final SIP status code that explains the outcome (200 for answered calls).
    public var sipCause: Int
    /// Human words for the outcome, e.g. "line 1001 may not call international".
    public var reason: String
    public var trunkID: String?
    /// Price of the call in cents of the tenant's currency (nil: not rated).
    public var costCents: Int64?

    /// Whole call duration in seconds (start to end), rounded to nearest like
    /// `billableSeconds`: the same rounding of a longer span, so talk time can never
    /// exceed the duration (truncating here once gave duration 4, billable 5).
    public var duration: Int { Int((endedAt - startedAt + 500) / 1000) }
    /// Talk time in whole seconds, rounded to nearest (0 when unanswered).
    public var billableSeconds: Int {
        guard let answeredAt else { return 0 }
        return Int((endedAt - answeredAt + 500) / 1000)
    }

    public init(
        id: String, tenantID: String, line: String?, direction: CallDirection, caller: String, dialled: String,
        normalized: String, numberClass: NumberClass?, startedAt: Int64, answeredAt: Int64?, endedAt: Int64,
        disposition: Disposition, sipCause: Int, reason: String, trunkID: String? = nil, costCents: Int64? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.line = line
        self.direction = direction
        self.caller = caller
        self.dialled = dialled
        self.normalized = normalized
        self.numberClass = numberClass
        self.startedAt = startedAt
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.disposition = disposition
        self.sipCause = sipCause
        self.reason = reason
        self.trunkID = trunkID
        self.costCents = costCents
    }
}
