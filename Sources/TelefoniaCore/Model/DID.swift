/// An inbound public number routed to a line of a tenant (T3).
public struct DID: Sendable, Equatable, Codable {
    /// E.164 form, "+551130001000".
    public var number: String
    public var tenantID: String
    /// Extension of the line that rings.
    public var extensionNumber: String

    public init(number: String, tenantID: String, extensionNumber: String) {
        self.number = number
        self.tenantID = tenantID
        self.extensionNumber = extensionNumber
    }
}
