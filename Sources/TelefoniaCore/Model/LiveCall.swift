/// A call in progress as the live views show it (L1).
public struct LiveCall: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case dialling, ringing, talking
    }
    public var callID: String
    public var tenantID: String
    public var line: String?
    public var direction: CallDirection
    public var caller: String
    public var dialled: String
    public var normalized: String
    public var numberClass: NumberClass?
    public var state: State
    /// Unix milliseconds.
    public var startedAt: Int64
    public var answeredAt: Int64?

    public init(callID: String, tenantID: String, line: String?, direction: CallDirection, caller: String, dialled: String,
                normalized: String, numberClass: NumberClass?, state: State, startedAt: Int64, answeredAt: Int64?) {
        self.callID = callID
        self.tenantID = tenantID
        self.line = line
        self.direction = direction
        self.caller = caller
        self.dialled = dialled
        self.normalized = normalized
        self.numberClass = numberClass
        self.state = state
        self.startedAt = startedAt
        self.answeredAt = answeredAt
    }

    /// Seconds talking (answered) or ringing so far.
    public func elapsedSeconds(now: Int64) -> Int { Int((now - (answeredAt ?? startedAt)) / 1000) }
}
