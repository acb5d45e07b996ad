/// A rating, credit or invoicing request that cannot be done; `message` says what to fix.
public struct RatingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A price or amount that is not an exact decimal of the allowed precision.
        case invalidAmount
        /// A rate or plan that breaks a rule (increments, duplicate destinations…).
        case invalidRate
        /// The tenant has no tariff plan, or the plan does not fit the request.
        case noPlan
        /// A tenant, line or plan that does not exist.
        case notFound
        /// A dialled string that is neither a line nor a public number.
        case invalidNumber
        /// An invoice period that is empty or overlaps an invoice already issued.
        case invalidPeriod
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
