/// One line in the grouped-by-line report (R6): what a line placed in the period.
///
/// Counts are call attempts (answered or not), as the manual's "Total de Chamadas";
/// talk time counts answered calls, cost sums the rated ones.
public struct LineUsage: Sendable, Equatable {
    /// The extension ("Linha IP"); nil for records without a line.
    public var line: String?
    /// Calls placed ("Total de Chamadas").
    public var calls: Int
    /// Answered calls.
    public var answered: Int
    /// Talk time in seconds, the sum of `CDR.billableSeconds` ("Tempo Total").
    public var talkSeconds: Int
    /// Calls to fixed numbers, local and long distance ("Fixo Nacional").
    public var fixed: Int
    /// Calls to mobiles, local and long distance ("Móvel Nacional").
    public var mobile: Int
    /// Calls abroad ("Total DDI").
    public var international: Int
    /// Sum of the rated calls' cost in cents ("Valor Total"); unrated calls count 0.
    public var costCents: Int64

    public init(
        line: String?, calls: Int = 0, answered: Int = 0, talkSeconds: Int = 0, fixed: Int = 0, mobile: Int = 0,
        international: Int = 0, costCents: Int64 = 0
    ) {
        self.line = line
        self.calls = calls
        self.answered = answered
        self.talkSeconds = talkSeconds
        self.fixed = fixed
        self.mobile = mobile
        self.international = international
        self.costCents = costCents
    }

    /// Adds one call record (the in-memory form of the SQL aggregate).
    public mutating func add(_ cdr: CDR) {
        calls += 1
        if cdr.disposition == .answered { answered += 1 }
        talkSeconds += cdr.billableSeconds
        switch cdr.numberClass {
        case .fixedLocal?, .fixedLongDistance?: fixed += 1
        case .mobileLocal?, .mobileLongDistance?: mobile += 1
        case .international?: international += 1
        default: break
        }
        costCents += cdr.costCents ?? 0
    }

    /// Sums several rows (the report's total line).
    public static func total(of rows: [LineUsage]) -> LineUsage {
        rows.reduce(into: LineUsage(line: nil)) { sum, row in
            sum.calls += row.calls
            sum.answered += row.answered
            sum.talkSeconds += row.talkSeconds
            sum.fixed += row.fixed
            sum.mobile += row.mobile
            sum.international += row.international
            sum.costCents += row.costCents
        }
    }
}
