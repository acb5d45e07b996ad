/// How calls reach IVR menus (L5): a DID routed to a menu, or a line dialling `*92`
/// and the menu's number (`*921` → menu 1 of the caller's tenant; also how a
/// subscriber tries a menu out). The engine hands such a call to the server as the
/// application `ivr:<tenant>:<menu>`.
public enum IVRDialling {
    /// What a line dials before the menu number.
    public static let prefix = "*92"
    /// Start of the application names of IVR menus.
    public static let applicationPrefix = "ivr:"

    /// The menu number in a dialled code ("*921" → "1"); nil when the code is not `*92`
    /// followed by digits.
    public static func menuNumber(dialled: String) -> String? {
        guard dialled.hasPrefix(prefix) else { return nil }
        let number = String(dialled.dropFirst(prefix.count))
        return IVRMenu.isValidNumber(number) ? number : nil
    }

    /// The application that runs menu `number` of `tenantID` ("ivr:demo:1").
    public static func applicationName(tenantID: String, number: String) -> String {
        applicationPrefix + tenantID + ":" + number
    }

    /// Tenant and menu of an IVR application name; nil for other applications. Tenant
    /// ids cannot hold ':', so the last ':' separates them.
    public static func menu(inApplication name: String) -> (tenantID: String, number: String)? {
        guard name.hasPrefix(applicationPrefix) else { return nil }
        let rest = name.dropFirst(applicationPrefix.count)
        guard let colon = rest.lastIndex(of: ":") else { return nil }
        let tenantID = String(rest[..<colon]), number = String(rest[rest.index(after: colon)...])
        guard !tenantID.isEmpty, IVRMenu.isValidNumber(number) else { return nil }
        return (tenantID, number)
    }

    /// Start of the application names of queues a DID is routed to.
    public static let queueApplicationPrefix = "queue:"

    /// The application that puts a DID's caller in queue `name` of `tenantID` ("queue:demo:suporte").
    public static func queueApplicationName(tenantID: String, name: String) -> String {
        queueApplicationPrefix + tenantID + ":" + name
    }

    /// Tenant and queue of a queue application name; nil for other applications.
    public static func queue(inApplication name: String) -> (tenantID: String, name: String)? {
        guard name.hasPrefix(queueApplicationPrefix) else { return nil }
        let rest = name.dropFirst(queueApplicationPrefix.count)
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let tenantID = String(rest[..<colon]), queue = String(rest[rest.index(after: colon)...])
        guard !tenantID.isEmpty, CallQueue.isValidName(queue) else { return nil }
        return (tenantID, queue)
    }

    /// Start of the application names of call groups a DID is routed to.
    public static let groupApplicationPrefix = "group:"

    /// The application that rings group `name` of `tenantID` for a DID ("group:demo:vendas").
    public static func groupApplicationName(tenantID: String, name: String) -> String {
        groupApplicationPrefix + tenantID + ":" + name
    }

    /// Tenant and group of a group application name; nil for other applications.
    public static func group(inApplication name: String) -> (tenantID: String, name: String)? {
        guard name.hasPrefix(groupApplicationPrefix) else { return nil }
        let rest = name.dropFirst(groupApplicationPrefix.count)
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let tenantID = String(rest[..<colon]), group = String(rest[rest.index(after: colon)...])
        guard !tenantID.isEmpty, CallGroup.isValidName(group) else { return nil }
        return (tenantID, group)
    }
}
