/// An IVR menu (L5, "bloco de URA"): a greeting, then the caller's key picks where the
/// call goes. Menus chain (an option may lead to another menu of the tenant).
public struct IVRMenu: Sendable, Equatable, Codable {
    public var tenantID: String
    /// Unique per tenant, 1 to 6 digits (DIDs and other menus point to it by number).
    public var number: String
    /// A label for people ("Atendimento").
    public var name: String
    /// Audio played first (a tenant audio file or a default prompt); nil: none.
    public var greeting: String?
    /// Seconds to wait for the first key ("tempo de resposta").
    public var responseTimeout: Int
    /// Seconds to wait between keys of a multi-digit entry ("tempo entre dígitos").
    public var interDigitTimeout: Int
    /// Time profile the menu works in; nil: always.
    public var timeProfile: String?
    /// Played outside the profile's hours, before `afterHours` ("áudio fora do horário").
    public var afterHoursAudio: String?
    /// Where the call goes outside the profile's hours: hang up, voicemail or another menu.
    public var afterHours: IVRDestination
    /// Played when no key came in time; nil: none ("áudio de tempo esgotado").
    public var timeoutAudio: String?
    /// Played on a key with no option; nil: "opção inválida" (a default prompt).
    public var invalidAudio: String?
    /// Timeouts and invalid keys in a row before the call is hung up.
    public var maxAttempts: Int
    /// Key → destination. Keys `0`–`9`, `#`, `*`, and `T` (no key in time), `I` (a key
    /// with no option): without `T`/`I` the menu plays the timeout/invalid audio and
    /// repeats, up to `maxAttempts`.
    public var options: [IVRKey: IVRDestination]
    /// Whether an entry of 2 or more digits that is an extension of the tenant rings it
    /// directly (the menu then waits `interDigitTimeout` after each key).
    public var directDial: Bool
    /// Satisfaction survey (R4): after the answering party hangs up, the caller is asked
    /// for a score from 1 to 5.
    public var survey: Bool
    /// The survey's question; nil: the default prompt.
    public var surveyAudio: String?

    public init(tenantID: String, number: String, name: String, greeting: String? = nil, responseTimeout: Int = 5,
                interDigitTimeout: Int = 3, timeProfile: String? = nil, afterHoursAudio: String? = nil,
                afterHours: IVRDestination = .hangUp, timeoutAudio: String? = nil, invalidAudio: String? = nil,
                maxAttempts: Int = 3, options: [IVRKey: IVRDestination] = [:], directDial: Bool = false,
                survey: Bool = false, surveyAudio: String? = nil) {
        self.tenantID = tenantID
        self.number = number
        self.name = name
        self.greeting = greeting
        self.responseTimeout = responseTimeout
        self.interDigitTimeout = interDigitTimeout
        self.timeProfile = timeProfile
        self.afterHoursAudio = afterHoursAudio
        self.afterHours = afterHours
        self.timeoutAudio = timeoutAudio
        self.invalidAudio = invalidAudio
        self.maxAttempts = maxAttempts
        self.options = options
        self.directDial = directDial
        self.survey = survey
        self.surveyAudio = surveyAudio
    }

    public static let maxNumberLength = 6

    /// Menus in dialling order: shorter numbers first, then by digits.
    public static func precedes(_ a: IVRMenu, _ b: IVRMenu) -> Bool {
        a.number.utf8.count != b.number.utf8.count ? a.number.utf8.count < b.number.utf8.count
            : a.number.utf8.lexicographicallyPrecedes(b.number.utf8)
    }

    /// 1 to `maxNumberLength` ASCII digits.
    public static func isValidNumber(_ number: String) -> Bool {
        (1...maxNumberLength).contains(number.utf8.count) && number.utf8.allSatisfy { (48...57).contains($0) }
    }

    /// Why the menu cannot be saved on its own terms, or nil (references to other menus,
    /// profiles and lines are the store's to check).
    public func problem() -> String? {
        guard Self.isValidNumber(number) else { return "IVR number '\(number)' must be 1 to \(Self.maxNumberLength) digits" }
        guard (1...60).contains(responseTimeout) else { return "response timeout must be 1 to 60 seconds, got \(responseTimeout)" }
        guard (1...30).contains(interDigitTimeout) else { return "inter-digit timeout must be 1 to 30 seconds, got \(interDigitTimeout)" }
        guard (1...10).contains(maxAttempts) else { return "attempts must be 1 to 10, got \(maxAttempts)" }
        switch afterHours {
        case .hangUp, .voicemail, .menu: break
        default: return "the after-hours action must be hangup, voicemail:EXT or menu:N, got \(afterHours)"
        }
        for audio in [greeting, afterHoursAudio, timeoutAudio, invalidAudio, surveyAudio].compactMap({ $0 })
        where !AudioFile.isValidName(audio) {
            return "audio name '\(audio)' must be \(Tenant.idRule)"
        }
        if let timeProfile, !TimeProfile.isValidName(timeProfile) { return "time profile name '\(timeProfile)' is not valid" }
        return nil
    }

    /// Every destination the menu names (options and after hours), for reference checks.
    public var destinations: [IVRDestination] { [afterHours] + IVRKey.allCases.compactMap { options[$0] } }
}

/// A key of an IVR menu's options.
public enum IVRKey: String, Sendable, CaseIterable, Codable, CodingKeyRepresentable, Comparable {
    case k0 = "0", k1 = "1", k2 = "2", k3 = "3", k4 = "4", k5 = "5", k6 = "6", k7 = "7", k8 = "8", k9 = "9"
    case star = "*", pound = "#"
    /// No key in time.
    case timeout = "T"
    /// A key with no option.
    case invalid = "I"

    /// The key of a pressed digit; nil for A–D.
    public init?(digit: Character) {
        self.init(rawValue: String(digit))
        if self == .timeout || self == .invalid { return nil }
    }

    public static func < (a: IVRKey, b: IVRKey) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Where an IVR sends a call. Written `invalid`, `hangup`, `menu:2`, `line:201`,
/// `group:vendas`, `queue:suporte`, `voicemail:201`, `portal`.
public enum IVRDestination: Sendable, Hashable, TextCodable {
    /// Plays the invalid-option audio and asks again.
    case invalid
    case hangUp
    /// Another menu of the tenant, by number.
    case menu(String)
    /// A line (extension) of the tenant.
    case line(String)
    /// A call group of the tenant.
    case group(String)
    /// A queue of the tenant.
    case queue(String)
    /// The voicemail box of a line.
    case voicemail(String)
    /// The voice portal.
    case portal

    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        switch (parts.first?.lowercased(), parts.count) {
        case ("invalid", 1): self = .invalid
        case ("hangup", 1): self = .hangUp
        case ("portal", 1): self = .portal
        case ("menu", 2) where IVRMenu.isValidNumber(parts[1]): self = .menu(parts[1])
        case ("line", 2) where Line.isValidExtension(parts[1]): self = .line(parts[1])
        case ("voicemail", 2) where Line.isValidExtension(parts[1]): self = .voicemail(parts[1])
        case ("group", 2) where AudioFile.isValidName(parts[1]): self = .group(parts[1])
        case ("queue", 2) where AudioFile.isValidName(parts[1]): self = .queue(parts[1])
        default: return nil
        }
    }

    public static let syntax = "invalid, hangup, menu:N, line:EXT, group:NAME, queue:NAME, voicemail:EXT or portal"

    public var description: String {
        switch self {
        case .invalid: "invalid"
        case .hangUp: "hangup"
        case .portal: "portal"
        case .menu(let n): "menu:\(n)"
        case .line(let e): "line:\(e)"
        case .group(let g): "group:\(g)"
        case .queue(let q): "queue:\(q)"
        case .voicemail(let e): "voicemail:\(e)"
        }
    }

}
