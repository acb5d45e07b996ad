/// A tenant's conference room (F6): lines join it by dialling `*91` and its number
/// (`*91100` joins room 100); everyone in it hears everyone else.
public struct ConferenceRoom: Sendable, Equatable, Codable {
    public var tenantID: String
    /// What callers dial after `*91`, unique per tenant; see `isValidNumber`.
    public var number: String
    /// A label for people ("Sala de reunião").
    public var name: String

    public init(tenantID: String, number: String, name: String) {
        self.tenantID = tenantID
        self.number = number
        self.name = name
    }

    /// Longest room number: with the `*91` prefix a dialled code stays short enough
    /// for any phone's dial plan.
    public static let maxNumberLength = 6

    /// 1 to `maxNumberLength` ASCII digits.
    public static func isValidNumber(_ number: String) -> Bool {
        (1...maxNumberLength).contains(number.utf8.count) && number.utf8.allSatisfy { (48...57).contains($0) }
    }

    /// Rooms listed in dialling order: shorter numbers first, then by digits ("9" before "10").
    public static func precedes(_ a: ConferenceRoom, _ b: ConferenceRoom) -> Bool {
        if a.tenantID != b.tenantID { return a.tenantID.utf8.lexicographicallyPrecedes(b.tenantID.utf8) }
        if a.number.utf8.count != b.number.utf8.count { return a.number.utf8.count < b.number.utf8.count }
        return a.number.utf8.lexicographicallyPrecedes(b.number.utf8)
    }
}
