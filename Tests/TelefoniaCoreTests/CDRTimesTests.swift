import Testing
import TelefoniaCore

/// Duration and talk time of a call record come from the same timestamps and the same rounding.
@Suite struct CDRTimesTests {
    static func record(started: Int64, answered: Int64?, ended: Int64) -> CDR {
        CDR(id: "c", tenantID: "t", line: "1000", direction: .internalCall, caller: "1000", dialled: "*43",
            normalized: "*43", numberClass: .internalCall, startedAt: started, answeredAt: answered, endedAt: ended,
            disposition: answered == nil ? .noAnswer : .answered, sipCause: 200, reason: "caller hung up")
    }

    /// For every answer time within the first second (1 ms steps) and talk times around whole seconds, billable never exceeds the duration.
    @Test func billableNeverExceedsDuration() {
        let start: Int64 = 1_764_900_000_123
        for answerOffset in Int64(0)..<1000 {
            for talk in [Int64(0), 1, 499, 500, 501, 999, 1000, 3_499, 3_500, 4_500, 4_501, 59_999] {
                let cdr = Self.record(started: start, answered: start + answerOffset, ended: start + answerOffset + talk)
                #expect(cdr.billableSeconds <= cdr.duration, "answer +\(answerOffset) ms, talk \(talk) ms")
            }
        }
    }

    /// The `*43` case reported: answered in the second it started, 4.6 s long → duration 5, billable 5 (was 4 and 5).
    @Test func echoTestAnsweredAtOnceHasEqualFigures() {
        let cdr = Self.record(started: 10_000, answered: 10_100, ended: 14_600)
        #expect(cdr.duration == 5)
        #expect(cdr.billableSeconds == 5)
        #expect(Self.record(started: 0, answered: nil, ended: 2_400).duration == 2)
        #expect(Self.record(started: 0, answered: nil, ended: 2_400).billableSeconds == 0)
    }
}
