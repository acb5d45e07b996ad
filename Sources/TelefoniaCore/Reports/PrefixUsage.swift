/// One prefix in the by-prefix report (R7): how calls to an area or country went.
/// See `CallOutcome` for which call counts in which column.
public struct PrefixUsage: Sendable, Equatable {
    /// "5531" (see `ReportPrefix`).
    public var prefix: String
    /// Calls placed to the prefix ("Total").
    public var total: Int
    /// "Atend."
    public var answered: Int
    /// Talk time in seconds ("Tempo").
    public var talkSeconds: Int
    /// "Ocupadas"
    public var busy: Int
    /// "Canceladas"
    public var cancelled: Int
    /// "Não A."
    public var noAnswer: Int
    /// "Congestionada"
    public var congestion: Int
    /// Failed for another reason or barred; part of "Descarte" only.
    public var otherFailure: Int

    public init(
        prefix: String, total: Int = 0, answered: Int = 0, talkSeconds: Int = 0, busy: Int = 0, cancelled: Int = 0,
        noAnswer: Int = 0, congestion: Int = 0, otherFailure: Int = 0
    ) {
        self.prefix = prefix
        self.total = total
        self.answered = answered
        self.talkSeconds = talkSeconds
        self.busy = busy
        self.cancelled = cancelled
        self.noAnswer = noAnswer
        self.congestion = congestion
        self.otherFailure = otherFailure
    }

    /// Calls not answered ("Descarte").
    public var failed: Int { total - answered }

    /// Average talk time of answered calls in whole seconds, rounded half up ("ACD"); 0 without answered calls.
    public var acdSeconds: Int {
        answered == 0 ? 0 : (talkSeconds + answered / 2) / answered
    }

    /// Answered / total in tenths of a percent, rounded half up ("ASR"): 667 is 66.7 %.
    /// Integer arithmetic, so reports and tests agree to the digit.
    public var asrPermille: Int {
        total == 0 ? 0 : (answered * 1000 + total / 2) / total
    }

    /// "66.7" (a dot, like the money columns).
    public var asrText: String { "\(asrPermille / 10).\(asrPermille % 10)" }

    /// The area of a Brazilian prefix.
    public var region: Region? { ReportPrefix.region(of: prefix) }

    /// Adds one call record (the in-memory form of the SQL aggregate).
    public mutating func add(_ cdr: CDR) {
        total += 1
        talkSeconds += cdr.billableSeconds
        switch CallOutcome(disposition: cdr.disposition, sipCause: cdr.sipCause) {
        case .answered: answered += 1
        case .busy: busy += 1
        case .cancelled: cancelled += 1
        case .noAnswer: noAnswer += 1
        case .congestion: congestion += 1
        case .otherFailure: otherFailure += 1
        }
    }

    /// Sums several rows (the report's total line), under `prefix`.
    public static func total(of rows: [PrefixUsage], prefix: String = "") -> PrefixUsage {
        rows.reduce(into: PrefixUsage(prefix: prefix)) { sum, row in
            sum.total += row.total
            sum.answered += row.answered
            sum.talkSeconds += row.talkSeconds
            sum.busy += row.busy
            sum.cancelled += row.cancelled
            sum.noAnswer += row.noAnswer
            sum.congestion += row.congestion
            sum.otherFailure += row.otherFailure
        }
    }
}
