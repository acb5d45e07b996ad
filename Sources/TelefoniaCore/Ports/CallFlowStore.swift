/// The configuration of a tenant's call flows: time profiles (P7) and IVR menus (L5).
/// Implemented by `SQLStore` and `MemoryStore`, with the same rules:
/// - a profile's name and a menu's number are unique per tenant; each needs its tenant;
/// - `save` inserts or replaces, and refuses what `problem()` refuses (`invalid`);
/// - a menu may only name profiles and menus of its own tenant that exist; a profile or
///   menu another menu names cannot be removed (`invalid`);
/// - removing a tenant removes them; lists are ordered by name / number.
/// A change is read by the next call at once.
public protocol CallFlowStore: AnyObject, Sendable {
    func timeProfiles(tenantID: String) throws -> [TimeProfile]
    func timeProfile(tenantID: String, name: String) throws -> TimeProfile?
    /// Adds or replaces a profile; `notFound` for an unknown tenant, `invalid` for a bad one.
    func save(_ profile: TimeProfile) throws
    /// Removes a profile and returns it; `notFound` when there is none, `invalid` while a menu uses it.
    @discardableResult func removeTimeProfile(tenantID: String, name: String) throws -> TimeProfile

    func ivrMenus(tenantID: String) throws -> [IVRMenu]
    func ivrMenu(tenantID: String, number: String) throws -> IVRMenu?
    /// Adds or replaces a menu; `notFound` for an unknown tenant, `invalid` for a bad menu
    /// or one naming a menu, profile or line the tenant does not have.
    func save(_ menu: IVRMenu) throws
    /// Removes a menu and returns it; `notFound` when there is none, `invalid` while another menu leads to it.
    @discardableResult func removeIVRMenu(tenantID: String, number: String) throws -> IVRMenu
    func callGroups(tenantID: String) throws -> [CallGroup]
    func callGroup(tenantID: String, name: String) throws -> CallGroup?
    /// Adds or replaces a group; `invalid` for a bad one or one naming a line, group or
    /// menu the tenant does not have.
    func save(_ group: CallGroup) throws
    /// Removes a group and returns it; `invalid` while a menu, a group or a DID leads to it.
    @discardableResult func removeCallGroup(tenantID: String, name: String) throws -> CallGroup
    func pickupGroups(tenantID: String) throws -> [PickupGroup]
    /// Adds or replaces a pickup group; `invalid` for a bad one or one naming a missing line.
    func save(_ group: PickupGroup) throws
    @discardableResult func removePickupGroup(tenantID: String, name: String) throws -> PickupGroup
    /// A line's features (the defaults when none were set).
    func lineFeatures(tenantID: String, extensionNumber: String) throws -> LineFeatures
    /// Sets a line's features; `notFound` for an unknown line, `invalid` for a bad forward target.
    func save(_ features: LineFeatures) throws
    /// Voicemail rows (T5): a line's messages, new first, each group oldest first.
    func voicemailMessages(tenantID: String, extensionNumber: String) throws -> [VoicemailMessage]
    /// Adds or replaces a message row (by id).
    func save(_ message: VoicemailMessage) throws
    func removeVoicemailMessage(id: String) throws
    /// Removes the rows of messages received before `before` (unix ms) and returns them (retention).
    func removeVoicemailMessages(receivedBefore before: Int64) throws -> [VoicemailMessage]
    /// Keeps a call's way through the IVR (R3) and its survey score (R4); a second
    /// record of the same call id replaces the first.
    func record(_ visit: IVRVisit) throws
    /// A tenant's IVR visits started in `from..<to` (unix ms), through `menu` when set
    /// (the menu entered first or any menu of the path), oldest first.
    func ivrVisits(tenantID: String, from: Int64?, to: Int64?, menu: String?) throws -> [IVRVisit]
}

/// The rules both stores apply to call flows, over what the tenant has.
public enum CallFlowRules {
    /// Why `menu` cannot be saved given the tenant's menus, profiles and lines, or nil.
    public static func problem(with menu: IVRMenu, menuExists: (String) throws -> Bool, profileExists: (String) throws -> Bool,
                               lineExists: (String) throws -> Bool, groupExists: (String) throws -> Bool,
                               queueExists: (String) throws -> Bool) rethrows -> String? {
        if let problem = menu.problem() { return problem }
        if let profile = menu.timeProfile, try !profileExists(profile) {
            return "tenant \(menu.tenantID) has no time profile \(profile)"
        }
        for destination in menu.destinations {
            switch destination {
            case .menu(let number) where number != menu.number:
                if try !menuExists(number) { return "tenant \(menu.tenantID) has no IVR \(number)" }
            case .line(let ext), .voicemail(let ext):
                if try !lineExists(ext) { return "tenant \(menu.tenantID) has no line \(ext)" }
            case .group(let name):
                if try !groupExists(name) { return "tenant \(menu.tenantID) has no call group \(name)" }
            case .queue(let name):
                if try !queueExists(name) { return "tenant \(menu.tenantID) has no queue \(name)" }
            default:
                break
            }
        }
        return nil
    }

    /// Why `group` cannot be saved given the tenant's lines, groups and menus, or nil.
    public static func problem(with group: CallGroup, lineExists: (String) throws -> Bool, groupExists: (String) throws -> Bool,
                               menuExists: (String) throws -> Bool, queueExists: (String) throws -> Bool) rethrows -> String? {
        if let problem = group.problem() { return problem }
        for member in group.members where try !lineExists(member) { return "tenant \(group.tenantID) has no line \(member)" }
        switch group.noAnswer {
        case .line(let ext), .voicemail(let ext):
            if try !lineExists(ext) { return "tenant \(group.tenantID) has no line \(ext)" }
        case .group(let name):
            if try !groupExists(name) { return "tenant \(group.tenantID) has no call group \(name)" }
        case .menu(let number):
            if try !menuExists(number) { return "tenant \(group.tenantID) has no IVR \(number)" }
        case .queue(let name):
            if try !queueExists(name) { return "tenant \(group.tenantID) has no queue \(name)" }
        default:
            break
        }
        return nil
    }

    /// Why `features` cannot be saved, or nil: forward targets must be numbers, not the
    /// line itself; a voicemail PIN is 4 to 12 digits.
    public static func problem(with features: LineFeatures) -> String? {
        if let pin = features.voicemailPIN, !(4...12).contains(pin.count) || !pin.allSatisfy(\.isASCII) || !pin.allSatisfy(\.isNumber) {
            return "a voicemail PIN is 4 to 12 digits"
        }
        if let seconds = features.voicemailMaxSeconds, !LineFeatures.voicemailMaxRange.contains(seconds) {
            let range = LineFeatures.voicemailMaxRange
            return "a voicemail message's maximum length is \(range.lowerBound) to \(range.upperBound) seconds, got \(seconds)"
        }
        for target in [features.forwardAlways, features.forwardBusy, features.forwardNoAnswer].compactMap({ $0 }) {
            guard LineFeatures.isValidTarget(target) else { return "forward target '\(target)' must be an extension or a number" }
            guard target != features.extensionNumber else { return "line \(target) cannot forward to itself" }
        }
        return nil
    }

    /// What leads to group `name` among menus and groups (so it cannot be removed), if anything.
    public static func user(ofGroup name: String, menus: [IVRMenu], groups: [CallGroup]) -> String? {
        if let menu = menus.first(where: { $0.destinations.contains(.group(name)) }) { return "IVR \(menu.number)" }
        if let group = groups.first(where: { $0.name != name && $0.noAnswer == .group(name) }) { return "group \(group.name)" }
        return nil
    }

    /// The pickup group among `groups` that names line `ext` (so it cannot be removed), if any.
    public static func pickupGroup(naming ext: String, among groups: [PickupGroup]) -> PickupGroup? {
        groups.first { $0.pickers.contains(ext) || $0.pickable.contains(ext) }
    }

    /// What sends calls to line `ext` among groups (so it cannot be removed), if anything.
    public static func group(naming ext: String, among groups: [CallGroup]) -> CallGroup? {
        groups.first { $0.members.contains(ext) || $0.noAnswer == .line(ext) || $0.noAnswer == .voicemail(ext) }
    }

    /// The menu among `menus` that sends calls to line `ext` or its voicemail (so the line cannot be removed), if any.
    public static func menu(naming ext: String, among menus: [IVRMenu]) -> IVRMenu? {
        menus.first { $0.destinations.contains(.line(ext)) || $0.destinations.contains(.voicemail(ext)) }
    }

    /// The menu among `menus` that leads to menu `number` (so it cannot be removed), if any.
    public static func menu(leadingTo number: String, among menus: [IVRMenu]) -> IVRMenu? {
        menus.first { $0.number != number && $0.destinations.contains(.menu(number)) }
    }
}

/// An `IVRDirectory` over a store.
public struct StoreIVRDirectory: IVRDirectory {
    private let store: any CallFlowStore & CallDataSource

    public init(store: any CallFlowStore & CallDataSource) {
        self.store = store
    }

    public func menu(tenantID: String, number: String) throws -> IVRMenu? { try store.ivrMenu(tenantID: tenantID, number: number) }
    public func timeProfile(tenantID: String, name: String) throws -> TimeProfile? { try store.timeProfile(tenantID: tenantID, name: name) }
    public func hasLine(tenantID: String, extensionNumber: String) throws -> Bool {
        try store.line(tenantID: tenantID, extensionNumber: extensionNumber) != nil
    }
}
