/// Listening to a line's call (C4): `*33` + extension listens (hears both parties),
/// `*34` + extension assists (whispers: the agent hears the listener, the other party
/// does not), `*35` + extension barges in (both parties hear the listener).
/// The target line must have the `listenable` permission.
public enum ListenDialling {
    public enum Mode: String, Sendable, CaseIterable {
        case listen, whisper, barge

        var code: String {
            switch self {
            case .listen: return "*33"
            case .whisper: return "*34"
            case .barge: return "*35"
            }
        }
    }

    public static let applicationPrefix = "listen:"

    /// The mode and target extension a dialled code asks for, or nil.
    public static func target(dialled: String) -> (mode: Mode, extensionNumber: String)? {
        for mode in Mode.allCases where dialled.hasPrefix(mode.code) {
            let ext = dialled.dropFirst(mode.code.count)
            guard !ext.isEmpty, ext.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
            return (mode, String(ext))
        }
        return nil
    }

    /// "listen:<mode>:<tenant>:<extension>", the application name the engine dials.
    public static func applicationName(mode: Mode, tenantID: String, extensionNumber: String) -> String {
        applicationPrefix + mode.rawValue + ":" + tenantID + ":" + extensionNumber
    }

    /// The parts of an application name made by `applicationName`.
    public static func target(inApplication name: String) -> (mode: Mode, tenantID: String, extensionNumber: String)? {
        guard name.hasPrefix(applicationPrefix) else { return nil }
        let parts = name.dropFirst(applicationPrefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let mode = Mode(rawValue: String(parts[0])), let ext = parts.last, !ext.isEmpty else { return nil }
        let tenantID = parts.dropFirst().dropLast().joined(separator: ":")
        guard !tenantID.isEmpty else { return nil }
        return (mode, tenantID, String(ext))
    }
}
