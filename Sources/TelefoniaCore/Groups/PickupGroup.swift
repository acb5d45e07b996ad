/// A pickup group (L4, "grupo de captura"): which lines may pick up a call ringing on
/// which others. `*8` picks up a ringing call of a line the caller may pick up; `**`
/// and an extension picks up that line's ringing call (the same rule applies).
public struct PickupGroup: Sendable, Equatable, Codable {
    public var tenantID: String
    /// Unique per tenant ("Descrição").
    public var name: String
    /// Lines that may pick up calls.
    public var pickers: [String]
    /// Lines whose ringing calls may be picked up.
    public var pickable: [String]

    public init(tenantID: String, name: String, pickers: [String], pickable: [String]) {
        self.tenantID = tenantID
        self.name = name
        self.pickers = pickers
        self.pickable = pickable
    }

    public func problem() -> String? {
        guard CallGroup.isValidName(name) else { return "pickup group name '\(name)' must be \(Tenant.idRule)" }
        guard !pickers.isEmpty else { return "a pickup group needs at least one line that picks up" }
        guard !pickable.isEmpty else { return "a pickup group needs at least one line to be picked up" }
        for ext in pickers + pickable where !Line.isValidExtension(ext) { return "'\(ext)' is not an extension" }
        return nil
    }

    /// Lines `picker` may pick up, over a tenant's groups.
    public static func pickable(by picker: String, in groups: [PickupGroup]) -> Set<String> {
        Set(groups.filter { $0.pickers.contains(picker) }.flatMap(\.pickable)).subtracting([picker])
    }
}

/// The pickup codes of the dial plan (L4).
public enum PickupDialling {
    /// Picks up a ringing call of any line the caller may pick up.
    public static let anyCode = "*8"
    /// Followed by an extension: picks up that line's ringing call.
    public static let directedPrefix = "**"
    /// Start of the application names of pickups ("pickup:<call id>").
    public static let applicationPrefix = "pickup:"

    /// What a dialled code asks: nil (not a pickup), `.some(nil)` any line, `.some(ext)` that line.
    public static func request(dialled: String) -> String?? {
        if dialled == anyCode { return .some(nil) }
        guard dialled.hasPrefix(directedPrefix) else { return nil }
        let ext = String(dialled.dropFirst(directedPrefix.count))
        return Line.isValidExtension(ext) ? .some(ext) : nil
    }
}
