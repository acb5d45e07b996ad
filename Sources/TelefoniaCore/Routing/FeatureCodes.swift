/// The dial plan's feature codes (P5): one table, the one place they are defined; the
/// engine routes by it, `telefonia codes` prints it, the panel will show it.
public enum FeatureCodes {
    /// One code of the table.
    public struct Entry: Sendable, Equatable {
        /// What is dialled, `N` for a number that follows ("*21N").
        public var code: String
        public var feature: String
        public var description: String
    }

    /// Every code, in the order `telefonia codes` prints them.
    public static let table: [Entry] = [
        Entry(code: "*21N", feature: "T1", description: "forward every call to N (an extension or a public number)"),
        Entry(code: "#21", feature: "T1", description: "stop forwarding every call"),
        Entry(code: "*22N", feature: "T1", description: "forward calls to N when busy"),
        Entry(code: "#22", feature: "T1", description: "stop forwarding when busy"),
        Entry(code: "*24N", feature: "T1", description: "forward calls to N when not answered"),
        Entry(code: "#24", feature: "T1", description: "stop forwarding when not answered"),
        Entry(code: "*26", feature: "T1", description: "do not disturb on"),
        Entry(code: "#26", feature: "T1", description: "do not disturb off"),
        Entry(code: "*27", feature: "T1", description: "call waiting on"),
        Entry(code: "#27", feature: "T1", description: "call waiting off"),
        Entry(code: "*98", feature: "T5", description: "hear your voicemail (PIN, then 7 deletes, 9 keeps)"),
        Entry(code: "*8", feature: "L4", description: "pick up a call ringing on a line of your pickup group"),
        Entry(code: "**N", feature: "L4", description: "pick up the call ringing on line N (if your pickup group allows)"),
        Entry(code: "*1N", feature: "P5", description: "during a call: hold the other party and call line N (# or a pause ends N); hang up to transfer"),
        Entry(code: "*23", feature: "P5", description: "during a call, once N answered after *1N: join everyone (three-way; repeat to add more)"),
        Entry(code: "*33N / *34N / *35N", feature: "C4", description: "listen to / assist / barge into line N's call (P6 permission)"),
        Entry(code: "*78", feature: "C2", description: "log in to / out of your flex and power queues"),
        Entry(code: "*79", feature: "C2", description: "pause / unpause as a queue agent"),
        Entry(code: "*43", feature: "L2", description: "echo test"),
        Entry(code: "*44", feature: "L2", description: "playback test (the tenant's music on hold)"),
        Entry(code: "*45", feature: "L2", description: "record test: say something after the beep, # to hear it"),
        Entry(code: "*55", feature: "P5", description: "say the prepaid balance"),
        Entry(code: "*91N", feature: "F6", description: "join conference room N"),
        Entry(code: "*92N", feature: "L5", description: "run IVR menu N (try a menu out)"),
    ]

    /// A change a line asks for by dialling a code.
    public enum Request: Sendable, Equatable {
        case doNotDisturb(Bool)
        case callWaiting(Bool)
        case forwardAlways(String?)
        case forwardBusy(String?)
        case forwardNoAnswer(String?)

        /// The line's features with the request applied.
        public func applied(to features: LineFeatures) -> LineFeatures {
            var features = features
            switch self {
            case .doNotDisturb(let on): features.doNotDisturb = on
            case .callWaiting(let on): features.callWaiting = on
            case .forwardAlways(let target): features.forwardAlways = target
            case .forwardBusy(let target): features.forwardBusy = target
            case .forwardNoAnswer(let target): features.forwardNoAnswer = target
            }
            return features
        }

        /// Whether it turns something on (the confirmation said).
        public var turnsOn: Bool {
            switch self {
            case .doNotDisturb(let on), .callWaiting(let on): on
            case .forwardAlways(let target), .forwardBusy(let target), .forwardNoAnswer(let target): target != nil
            }
        }
    }

    /// The request a dialled code makes; nil for anything else (a malformed forward
    /// target is nil too, and then routed like any number).
    public static func request(dialled: String) -> Request? {
        switch dialled {
        case "*26": return .doNotDisturb(true)
        case "#26": return .doNotDisturb(false)
        case "*27": return .callWaiting(true)
        case "#27": return .callWaiting(false)
        case "#21": return .forwardAlways(nil)
        case "#22": return .forwardBusy(nil)
        case "#24": return .forwardNoAnswer(nil)
        default: break
        }
        for (prefix, make) in [("*21", Request.forwardAlways), ("*22", Request.forwardBusy), ("*24", Request.forwardNoAnswer)]
        where dialled.hasPrefix(prefix) {
            let target = String(dialled.dropFirst(prefix.count))
            return LineFeatures.isValidTarget(target) ? make(target) : nil
        }
        return nil
    }

    /// The application name of a feature request dialled by a line ("feature:*26").
    public static let applicationPrefix = "feature:"
}
