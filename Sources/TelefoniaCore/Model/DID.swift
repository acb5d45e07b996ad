/// An inbound public number of a tenant (T3). It belongs to a line (its calls are that
/// line's received calls) and rings it, unless `route` sends it elsewhere.
public struct DID: Sendable, Equatable, Codable {
    /// E.164 form, "+551130001000".
    public var number: String
    public var tenantID: String
    /// Extension of the line the number belongs to (and rings, without a `route`).
    public var extensionNumber: String
    /// Where calls go instead of ringing the line; nil: the line.
    public var route: DIDRoute?

    /// E.164 as DIDs are kept: "+", then 8 to 15 digits, the first not 0.
    public static func isValidNumber(_ number: String) -> Bool {
        guard number.hasPrefix("+") else { return false }
        let digits = number.utf8.dropFirst()
        return (8...15).contains(digits.count) && digits.allSatisfy { (48...57).contains($0) } && digits.first != 48
    }

    public init(number: String, tenantID: String, extensionNumber: String, route: DIDRoute? = nil) {
        self.number = number
        self.tenantID = tenantID
        self.extensionNumber = extensionNumber
        self.route = route
    }
}

/// Where a DID sends calls other than its line (set by the operator). Written `ivr:1`,
/// `group:vendas`, `voicemail:1001`, `portal`, `callback:portal`.
public enum DIDRoute: Sendable, Hashable, TextCodable {
    /// An IVR menu of the tenant, by number.
    case ivr(String)
    /// A call group of the tenant, by name.
    case group(String)
    /// The voicemail box of a line of the tenant (T5), by extension.
    case voicemail(String)
    /// A call-centre queue of the tenant (C2), by name.
    case queue(String)
    /// The voice portal (F3): authorised callers dial out through their line.
    case portal
    /// Refused unanswered, then the caller is called back (K1).
    case callback(CallbackRoute)

    public static let syntax = "ivr:N, group:NAME, queue:NAME, voicemail:EXT, portal or " + CallbackRoute.syntax

    public init?(parsing text: String) {
        if text.lowercased() == "portal" {
            self = .portal
            return
        }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0].lowercased() {
        case "ivr" where IVRMenu.isValidNumber(parts[1]): self = .ivr(parts[1])
        case "group" where CallGroup.isValidName(parts[1]): self = .group(parts[1])
        case "voicemail" where Line.isValidExtension(parts[1]): self = .voicemail(parts[1])
        case "queue" where CallQueue.isValidName(parts[1]): self = .queue(parts[1])
        case "callback":
            guard let route = CallbackRoute(parsing: parts[1]) else { return nil }
            self = .callback(route)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .ivr(let number): "ivr:\(number)"
        case .group(let name): "group:\(name)"
        case .voicemail(let ext): "voicemail:\(ext)"
        case .queue(let name): "queue:\(name)"
        case .portal: "portal"
        case .callback(let route): "callback:\(route)"
        }
    }

}
