/// Which calls a report looks at (R1–R7, P2). Every report is keyed by tenant; the
/// other conditions are optional and combine with AND.
public struct ReportFilter: Sendable, Equatable {
    public var tenantID: String
    /// Unix ms, inclusive (call start).
    public var from: Int64?
    /// Unix ms, exclusive (call start).
    public var to: Int64?
    /// The tenant's line (extension) that placed or received the call.
    public var line: String?
    /// Substring of the caller, dialled or normalised number (`CDRFilter.number`'s rule).
    public var number: String?
    /// Directions to include; nil for all. Each report narrows this to its own.
    public var directions: Set<CallDirection>?
    public var disposition: Disposition?
    /// Fixed, mobile or international destinations only.
    public var destination: DestinationKind?

    public init(
        tenantID: String, from: Int64? = nil, to: Int64? = nil, line: String? = nil, number: String? = nil,
        directions: Set<CallDirection>? = nil, disposition: Disposition? = nil, destination: DestinationKind? = nil
    ) {
        self.tenantID = tenantID
        self.from = from
        self.to = to
        self.line = line
        self.number = number
        self.directions = directions
        self.disposition = disposition
        self.destination = destination
    }

    /// Whether a call record passes every condition. The SQL of `SQLStore` says the same.
    public func matches(_ cdr: CDR) -> Bool {
        if cdr.tenantID != tenantID { return false }
        if let from, cdr.startedAt < from { return false }
        if let to, cdr.startedAt >= to { return false }
        if let line, cdr.line != line { return false }
        if let directions, !directions.contains(cdr.direction) { return false }
        if let disposition, cdr.disposition != disposition { return false }
        if let destination, !(cdr.numberClass.map(destination.classes.contains) ?? false) { return false }
        if let number, !number.isEmpty,
           !(cdr.caller.contains(number) || cdr.dialled.contains(number) || cdr.normalized.contains(number)) {
            return false
        }
        return true
    }

    /// The same filter limited to `directions` (intersected with any the user chose).
    func narrowed(to allowed: Set<CallDirection>) -> ReportFilter {
        var copy = self
        copy.directions = directions.map { $0.intersection(allowed) } ?? allowed
        return copy
    }
}

/// A family of destinations for report filters and counts (the manual's "fixo",
/// "móvel" and "DDI").
public enum DestinationKind: String, Sendable, Equatable, CaseIterable {
    case fixed, mobile, international

    /// The number classes of the family.
    public var classes: [NumberClass] {
        switch self {
        case .fixed: [.fixedLocal, .fixedLongDistance]
        case .mobile: [.mobileLocal, .mobileLongDistance]
        case .international: [.international]
        }
    }
}
