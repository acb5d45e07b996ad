/// Where a Brazilian number is: its area code (DDD), state and the main city of the area.
///
/// Whether the number is a mobile or a fixed line is not a property of the area:
/// it is the number's `NumberClass`.
public struct Region: Sendable, Equatable, Hashable, Codable {
    /// Two-digit area code (DDD), "31".
    public var areaCode: String
    /// State abbreviation (UF), "MG"; "DF" for the Federal District.
    public var state: String
    /// State name, "Minas Gerais".
    public var stateName: String
    /// The largest city of the area, "Belo Horizonte".
    public var city: String

    public init(areaCode: String, state: String, stateName: String, city: String) {
        self.areaCode = areaCode
        self.state = state
        self.stateName = stateName
        self.city = city
    }

    /// "Belo Horizonte/MG", as Brazilians write a place.
    public var label: String { "\(city)/\(state)" }
}
