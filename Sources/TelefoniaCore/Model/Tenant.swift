/// A subscriber company: everything it owns is keyed by its id.
public struct Tenant: Sendable, Equatable, Codable, Identifiable {
    public var id: String
    /// SIP domain (and digest realm) of the tenant's lines.
    public var domain: String
    public var name: String
    /// Brazilian area code (DDD) of the tenant, used to normalise local numbers.
    public var areaCode: String
    /// Trunk used for calls to public numbers; nil means the first trunk.
    public var trunkID: String?

    public init(id: String, domain: String, name: String, areaCode: String = "11", trunkID: String? = nil) {
        self.id = id
        self.domain = domain
        self.name = name
        self.areaCode = areaCode
        self.trunkID = trunkID
    }
}
