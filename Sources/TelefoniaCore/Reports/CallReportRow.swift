/// One call in the placed (R1) or received (R2) calls report.
public struct CallReportRow: Sendable, Equatable {
    public var cdr: CDR
    /// Where the other party is: the destination of a placed call, the caller of a
    /// received one (nil for extensions and foreign or unknown numbers).
    public var region: Region?

    public init(cdr: CDR, region: Region?) {
        self.cdr = cdr
        self.region = region
    }

    /// The row of a placed call (region of the destination).
    public static func placed(_ cdr: CDR) -> CallReportRow {
        CallReportRow(cdr: cdr, region: cdr.direction == .internalCall ? nil : Regions.region(forE164: cdr.normalized))
    }

    /// The row of a received call (region of the caller).
    public static func received(_ cdr: CDR) -> CallReportRow {
        CallReportRow(cdr: cdr, region: Regions.region(forE164: cdr.caller))
    }
}
