/// What a line's user turns on and off from the phone (T1, P5): do not disturb, call
/// forwarding always / on busy / on no answer, call waiting. Set by feature codes
/// (`FeatureCodes`) or the CLI; read by the engine for every call to the line.
public struct LineFeatures: Sendable, Equatable, Codable {
    public var tenantID: String
    public var extensionNumber: String
    /// Calls to the line are refused busy (or forwarded on busy, when set).
    public var doNotDisturb: Bool
    /// Every call goes to this number (an extension or a public number).
    public var forwardAlways: String?
    /// Calls go here when the line is busy (or on DND, or in a call without call waiting).
    public var forwardBusy: String?
    /// Calls go here when the line does not answer in its ring time.
    public var forwardNoAnswer: String?
    /// A second call may ring the line while it is in one; off: the second caller gets busy.
    public var callWaiting: Bool
    /// Calls not answered (busy, no answer, unregistered, DND) go to the line's voicemail
    /// box (T5) when no forward applies.
    public var voicemail: Bool
    /// What the line's user keys to hear its messages (`*98`).
    public var voicemailPIN: String?
    /// The longest message the box takes, in seconds; nil: `defaultVoicemailMaxSeconds`.
    public var voicemailMaxSeconds: Int?

    public static let defaultVoicemailMaxSeconds = 120
    /// What a box's maximum length may be set to.
    public static let voicemailMaxRange = 10...600

    public init(tenantID: String, extensionNumber: String, doNotDisturb: Bool = false, forwardAlways: String? = nil,
                forwardBusy: String? = nil, forwardNoAnswer: String? = nil, callWaiting: Bool = true, voicemail: Bool = false,
                voicemailPIN: String? = nil, voicemailMaxSeconds: Int? = nil) {
        self.tenantID = tenantID
        self.extensionNumber = extensionNumber
        self.doNotDisturb = doNotDisturb
        self.forwardAlways = forwardAlways
        self.forwardBusy = forwardBusy
        self.forwardNoAnswer = forwardNoAnswer
        self.callWaiting = callWaiting
        self.voicemail = voicemail
        self.voicemailPIN = voicemailPIN
        self.voicemailMaxSeconds = voicemailMaxSeconds
    }

    private enum CodingKeys: String, CodingKey {
        case tenantID, extensionNumber, doNotDisturb, forwardAlways, forwardBusy, forwardNoAnswer, callWaiting, voicemail, voicemailPIN,
             voicemailMaxSeconds
    }

    /// Settings added later default when a stored document lacks them.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            tenantID: try c.decode(String.self, forKey: .tenantID), extensionNumber: try c.decode(String.self, forKey: .extensionNumber),
            doNotDisturb: try c.decodeIfPresent(Bool.self, forKey: .doNotDisturb) ?? false,
            forwardAlways: try c.decodeIfPresent(String.self, forKey: .forwardAlways),
            forwardBusy: try c.decodeIfPresent(String.self, forKey: .forwardBusy),
            forwardNoAnswer: try c.decodeIfPresent(String.self, forKey: .forwardNoAnswer),
            callWaiting: try c.decodeIfPresent(Bool.self, forKey: .callWaiting) ?? true,
            voicemail: try c.decodeIfPresent(Bool.self, forKey: .voicemail) ?? false,
            voicemailPIN: try c.decodeIfPresent(String.self, forKey: .voicemailPIN),
            voicemailMaxSeconds: try c.decodeIfPresent(Int.self, forKey: .voicemailMaxSeconds))
    }

    /// Nothing set: the line rings as usual.
    public var isDefault: Bool {
        !doNotDisturb && forwardAlways == nil && forwardBusy == nil && forwardNoAnswer == nil && callWaiting && !voicemail
            && voicemailPIN == nil && voicemailMaxSeconds == nil
    }

    /// A forward target: 1 to 20 digits, an optional leading `+`.
    public static func isValidTarget(_ number: String) -> Bool {
        let digits = number.hasPrefix("+") ? number.dropFirst() : Substring(number)
        return (1...20).contains(digits.count) && digits.utf8.allSatisfy { (48...57).contains($0) }
    }
}
