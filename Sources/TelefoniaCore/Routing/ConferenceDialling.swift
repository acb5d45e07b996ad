/// The conference codes of the dial plan (P5, F6): `*91` and a room number joins
/// that room of the caller's tenant (`*91100` → room 100). The engine hands such a
/// call to the server as the application `conference:<tenant>:<room>`.
public enum ConferenceDialling {
    /// What a line dials before the room number.
    public static let prefix = "*91"
    /// Start of the application names of conference rooms.
    public static let applicationPrefix = "conference:"

    /// The room number in a dialled code ("*91100" → "100"); nil when the code is not
    /// `*91` followed by digits.
    public static func roomNumber(dialled: String) -> String? {
        guard dialled.hasPrefix(prefix) else { return nil }
        let number = dialled.dropFirst(prefix.count)
        guard !number.isEmpty, number.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return String(number)
    }

    /// The application that runs room `number` of `tenantID` ("conference:demo:100").
    public static func applicationName(tenantID: String, number: String) -> String {
        applicationPrefix + tenantID + ":" + number
    }

    /// Tenant and room of a conference application name; nil for other applications.
    /// Tenant ids cannot hold ':', so the last ':' separates them.
    public static func room(inApplication name: String) -> (tenantID: String, number: String)? {
        guard name.hasPrefix(applicationPrefix) else { return nil }
        let rest = name.dropFirst(applicationPrefix.count)
        guard let colon = rest.lastIndex(of: ":") else { return nil }
        let tenantID = String(rest[..<colon]), number = String(rest[rest.index(after: colon)...])
        guard !tenantID.isEmpty, ConferenceRoom.isValidNumber(number) else { return nil }
        return (tenantID, number)
    }
}
