/// A caller number the voice portal (F3) and its callback (K1) serve, and the tenant's
/// line its calls go through ("a linha a qual efetuará a ligação": that line's
/// permissions, plan and credit apply). Kept per tenant, unique by number.
public struct PortalNumber: Sendable, Equatable, Codable {
    public var tenantID: String
    /// E.164, as the carrier presents it: "+5531999999999".
    public var number: String
    public var line: String
    public var enabled: Bool

    public init(tenantID: String, number: String, line: String, enabled: Bool = true) {
        self.tenantID = tenantID
        self.number = number
        self.line = line
        self.enabled = enabled
    }

    public func problem() -> String? {
        guard DID.isValidNumber(number) else { return "number must be E.164 (+ and 8 to 15 digits), got \(number)" }
        guard Line.isValidExtension(line) else { return "line must be an extension, got \(line)" }
        return nil
    }

    /// A caller number as a carrier sends it ("+5531…", "5531…", "031…", "31…") in
    /// E.164 under the tenant's home area; nil when it is not a public number.
    public static func e164(ofCaller caller: String, homeArea: String) -> String? {
        let user = caller.split(separator: "@").first.map(String.init) ?? caller
        let kept = user.filter { $0.isNumber || $0 == "+" }
        guard !kept.isEmpty else { return nil }
        if kept.hasPrefix("+") { return DID.isValidNumber(kept) ? kept : nil }
        if let number = try? NumberPlan(homeArea: homeArea).normalize(kept), number.e164.hasPrefix("+") {
            return number.e164
        }
        return DID.isValidNumber("+" + kept) ? "+" + kept : nil
    }

    /// The enabled entry of `numbers` for `caller`, if any.
    public static func authorised(_ caller: String, among numbers: [PortalNumber], homeArea: String) -> PortalNumber? {
        guard let e164 = e164(ofCaller: caller, homeArea: homeArea) else { return nil }
        return numbers.first { $0.enabled && $0.number == e164 }
    }
}

/// What a DID with callback (K1) does once it has refused the call: calls the caller
/// back and takes them to the voice portal (authorised numbers, through their own
/// line), to a fixed number (free callback: any caller) or to an IVR menu. Written
/// `portal`, `number:01133334444@1000`, `ivr:1@1000` (the line after "@" pays).
public enum CallbackRoute: Sendable, Hashable, TextCodable {
    case portal
    case number(String, line: String)
    case ivr(String, line: String)

    public static let syntax = "callback:portal, callback:number:NUMBER@LINE or callback:ivr:N@LINE"

    public init?(parsing text: String) {
        if text.lowercased() == "portal" {
            self = .portal
            return
        }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        let target = parts[1].split(separator: "@").map(String.init)
        guard target.count == 2, Line.isValidExtension(target[1]) else { return nil }
        switch parts[0].lowercased() {
        case "number" where FacilityRequest.isDiallable(target[0]): self = .number(target[0], line: target[1])
        case "ivr" where IVRMenu.isValidNumber(target[0]): self = .ivr(target[0], line: target[1])
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .portal: "portal"
        case .number(let number, let line): "number:\(number)@\(line)"
        case .ivr(let menu, let line): "ivr:\(menu)@\(line)"
        }
    }
}

/// The call back a DID with callback decided (`CallAction.callBack`): the server calls
/// `number` through `line` of `tenantID` and, when it answers, takes it to `route`.
public struct CallbackOrder: Sendable, Equatable {
    public var tenantID: String
    /// The caller, in E.164.
    public var number: String
    public var line: String
    public var route: CallbackRoute
    /// The DID that was called.
    public var did: String

    public init(tenantID: String, number: String, line: String, route: CallbackRoute, did: String) {
        self.tenantID = tenantID
        self.number = number
        self.line = line
        self.route = route
        self.did = did
    }
}

/// How often one caller number may have itself called back (K1 against abuse: a
/// callback costs the tenant a call): at most `limit` in `windowSeconds`. Engine state.
public struct CallbackGuard: Sendable {
    public var limit: Int
    public var windowSeconds: Int
    private var granted: [String: [Int64]] = [:]

    public init(limit: Int = 3, windowSeconds: Int = 600) {
        self.limit = limit
        self.windowSeconds = windowSeconds
    }

    /// Counts a callback for `number` of `tenantID` at `now` (unix ms) and says whether it may go ahead.
    public mutating func allow(tenantID: String, number: String, now: Int64) -> Bool {
        let key = tenantID + "|" + number
        let recent = (granted[key] ?? []).filter { now - $0 < Int64(windowSeconds) * 1000 }
        guard recent.count < limit else {
            granted[key] = recent
            return false
        }
        granted[key] = recent + [now]
        if granted.count > 10_000 { granted = granted.filter { $0.value.contains { now - $0 < Int64(windowSeconds) * 1000 } } }
        return true
    }
}
