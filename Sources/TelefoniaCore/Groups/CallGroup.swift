/// A call group (L3, "grupo de chamada"): lines that ring together or in turn for one
/// number. Reached from an IVR option (`group:NAME`) or a DID routed to it; when no one
/// answers the call goes to `noAnswer`.
public struct CallGroup: Sendable, Equatable, Codable {
    public enum Strategy: String, Sendable, Codable, CaseIterable {
        /// Every member at once; the first to answer takes the call.
        case ringAll = "ring-all"
        /// Members one after the other, in order, each for `memberRingTime`.
        case sequential
        /// Members one after the other in a new random order per call.
        case random
    }

    public var tenantID: String
    /// Unique per tenant; see `isValidName`.
    public var name: String
    public var strategy: Strategy
    /// Extensions, in ringing order.
    public var members: [String]
    /// Seconds each member rings (sequential, random).
    public var memberRingTime: Int
    /// Seconds the whole group rings (ring all).
    public var ringTime: Int
    /// A disabled group sends calls straight to `noAnswer`.
    public var enabled: Bool
    /// Where a call nobody answered goes: hang up, a line, another group, voicemail, an IVR menu.
    public var noAnswer: IVRDestination

    public init(tenantID: String, name: String, strategy: Strategy = .ringAll, members: [String], memberRingTime: Int = 15,
                ringTime: Int = 30, enabled: Bool = true, noAnswer: IVRDestination = .hangUp) {
        self.tenantID = tenantID
        self.name = name
        self.strategy = strategy
        self.members = members
        self.memberRingTime = memberRingTime
        self.ringTime = ringTime
        self.enabled = enabled
        self.noAnswer = noAnswer
    }

    /// 1 to 64 letters, digits, "-", "_" and ".", not starting with "." or "-".
    public static func isValidName(_ name: String) -> Bool { AudioFile.isValidName(name) }

    /// Why the group cannot be saved on its own terms, or nil (its members and its
    /// no-answer destination are the store's to check).
    public func problem() -> String? {
        guard Self.isValidName(name) else { return "group name '\(name)' must be \(Tenant.idRule)" }
        guard !members.isEmpty else { return "a group needs at least one member line" }
        guard Set(members).count == members.count else { return "a line is a member of the group twice" }
        for member in members where !Line.isValidExtension(member) { return "member '\(member)' is not an extension" }
        guard (5...300).contains(memberRingTime) else { return "member ring time must be 5 to 300 seconds, got \(memberRingTime)" }
        guard (5...600).contains(ringTime) else { return "ring time must be 5 to 600 seconds, got \(ringTime)" }
        switch noAnswer {
        case .invalid, .portal: return "a group's no-answer destination must be hangup, line:EXT, group:NAME, queue:NAME, voicemail:EXT or menu:N"
        case .group(let other) where other == name: return "a group cannot overflow to itself"
        default: return nil
        }
    }

    /// The order members ring in for one call: `random` shuffles with `random`.
    public func ringingOrder(using random: inout some RandomNumberGenerator) -> [[String]] {
        switch strategy {
        case .ringAll: return [members]
        case .sequential: return members.map { [$0] }
        case .random: return members.shuffled(using: &random).map { [$0] }
        }
    }

    /// Seconds each round of `ringingOrder` rings.
    public var roundTime: Int { strategy == .ringAll ? ringTime : memberRingTime }
}
