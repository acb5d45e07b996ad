/// How the by-prefix report (R7) counts a call, from its disposition and SIP cause.
///
/// The manual's columns and the rule for each:
/// - Atend. (`answered`): disposition ANSWERED.
/// - Ocupadas (`busy`): BUSY — the carrier or phone answered 486, 600 or 603.
/// - Canceladas (`cancelled`): CANCELLED — the caller hung up while it rang (487).
/// - Não A. (`noAnswer`): NO ANSWER — the ring timer ran out or the carrier answered
///   408/480 after ringing. The engine records both with cause 480 and NO ANSWER, so
///   a carrier's 480 on a ringing call cannot be told from a ring timeout and is
///   counted here.
/// - Congestionada (`congestion`): the destination cannot be reached — FAILED with
///   cause 404 or 604 (no such number), 410 (number gone), 484 (incomplete number),
///   480 (unavailable: not registered, switched off), 502/503/504 (the carrier or
///   its next hop is down or overloaded).
/// - `otherFailure`: every other FAILED call (e.g. 403 or 488 from the carrier, 500)
///   and DENIED calls (barred by the line's permissions).
///
/// Descarte (failed or discarded) is every call that was not answered:
/// busy + cancelled + no answer + congestion + other failures.
public enum CallOutcome: String, Sendable, Equatable, CaseIterable {
    case answered, busy, cancelled, noAnswer, congestion, otherFailure

    /// SIP causes of FAILED calls that count as congestion (unreachable destination).
    public static let congestionCauses: Set<Int> = [404, 410, 480, 484, 502, 503, 504, 604]

    /// The column a call record counts in.
    public init(disposition: Disposition, sipCause: Int) {
        switch disposition {
        case .answered: self = .answered
        case .busy: self = .busy
        case .cancelled: self = .cancelled
        case .noAnswer: self = .noAnswer
        case .failed: self = Self.congestionCauses.contains(sipCause) ? .congestion : .otherFailure
        case .denied: self = .otherFailure
        }
    }
}
