/// A call the system places for a tenant, asked from the panel or the CLI (§8 of the
/// manual): click2call (F4), DISA (F5), an ad-hoc conference (F1), testing an
/// application on a line (F7). Every call it places goes through `line` — routed,
/// permitted, rated and recorded as that line's call, the record saying "placed by
/// <kind>". Filed in the store by whoever asks; one server claims it, carries it out
/// and writes how each leg went.
public struct FacilityRequest: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Call `numbers[0]`; when it answers, call `numbers[1]`; bridge them.
        case click2call
        /// Call `numbers[0]`; it hears "digite o número seguido de sustenido", dials, and is bridged there.
        case disa
        /// Call every one of `numbers` into room `target`.
        case conference
        /// Ring `numbers[0]` and run application `target` on it.
        case test
    }

    public enum State: String, Sendable, Codable {
        case pending, running, done
    }

    /// How one call of the request went ("answered", "busy (486)", "no answer (480)"…).
    public struct Leg: Sendable, Equatable, Codable {
        public var number: String
        public var outcome: String

        public init(number: String, outcome: String) {
            self.number = number
            self.outcome = outcome
        }
    }

    public var id: Int64
    public var tenantID: String
    public var kind: Kind
    /// The tenant's line the calls go through (its permissions, plan and credit).
    public var line: String
    /// What is called: extensions of the tenant or public numbers as a line dials them.
    public var numbers: [String]
    /// A conference's room number; a test's application (`FacilityTarget`).
    public var target: String?
    /// Who asked (a panel user, "cli").
    public var requestedBy: String
    public var createdAt: Int64
    public var state: State
    public var legs: [Leg]
    /// The outcome in words once done ("connected", "A busy (486)"…).
    public var result: String?
    public var doneAt: Int64?
    /// The server carrying it out (once claimed).
    public var node: String?

    public init(id: Int64 = 0, tenantID: String, kind: Kind, line: String, numbers: [String], target: String? = nil,
                requestedBy: String, createdAt: Int64, state: State = .pending, legs: [Leg] = [], result: String? = nil,
                doneAt: Int64? = nil, node: String? = nil) {
        self.id = id
        self.tenantID = tenantID
        self.kind = kind
        self.line = line
        self.numbers = numbers
        self.target = target
        self.requestedBy = requestedBy
        self.createdAt = createdAt
        self.state = state
        self.legs = legs
        self.result = result
        self.doneAt = doneAt
        self.node = node
    }

    /// What a request still running on a server that restarted says.
    public static let interrupted = "interrupted: the server stopped during it"

    /// Most lines an ad-hoc conference calls at once.
    public static let maxConferenceNumbers = 10

    /// What the system says in the records of the calls it places for this request.
    public var placedBy: String {
        switch kind {
        case .click2call: "click2call #\(id)"
        case .disa: "DISA #\(id)"
        case .conference: "conference #\(id)"
        case .test: "test of \(target ?? "?") #\(id)"
        }
    }

    /// Why the request cannot be carried out as written, or nil.
    public func problem() -> String? {
        guard Line.isValidExtension(line) else { return "line must be an extension, got \(line)" }
        if let bad = numbers.first(where: { !Self.isDiallable($0) }) {
            return "\(bad) is not a number or extension"
        }
        switch kind {
        case .click2call:
            guard numbers.count == 2 else { return "click2call calls two numbers: A, then B" }
        case .disa:
            guard numbers.count == 1 else { return "DISA calls one number" }
        case .conference:
            guard (1...Self.maxConferenceNumbers).contains(numbers.count) else {
                return "a conference calls 1 to \(Self.maxConferenceNumbers) numbers"
            }
            guard let room = target, ConferenceRoom.isValidNumber(room) else { return "a conference needs a room number" }
            guard Set(numbers).count == numbers.count else { return "a number is listed twice" }
        case .test:
            guard numbers.count == 1, Line.isValidExtension(numbers[0]) else { return "a test rings one line of the tenant" }
            guard target.flatMap(FacilityTarget.init(parsing:)) != nil else { return "application must be \(FacilityTarget.syntax)" }
        }
        return nil
    }

    /// Digits as a line dials them (an extension or a public number), 2 to 20 of them,
    /// an optional leading "+".
    public static func isDiallable(_ number: String) -> Bool {
        let digits = number.hasPrefix("+") ? number.dropFirst() : Substring(number)
        return (2...20).contains(digits.count) && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
    }
}

/// An application a facility runs on a call the system placed: what F7 tests and what
/// a callback may lead to. Written `ivr:1`, `queue:suporte`, `group:vendas`,
/// `room:100`, `voicemail:1001`.
public enum FacilityTarget: Sendable, Hashable, TextCodable {
    case ivr(String)
    case queue(String)
    case group(String)
    case room(String)
    case voicemail(String)

    public static let syntax = "ivr:N, queue:NAME, group:NAME, room:N or voicemail:EXT"

    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0].lowercased() {
        case "ivr" where IVRMenu.isValidNumber(parts[1]): self = .ivr(parts[1])
        case "queue" where CallQueue.isValidName(parts[1]): self = .queue(parts[1])
        case "group" where CallGroup.isValidName(parts[1]): self = .group(parts[1])
        case "room" where ConferenceRoom.isValidNumber(parts[1]): self = .room(parts[1])
        case "voicemail" where Line.isValidExtension(parts[1]): self = .voicemail(parts[1])
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .ivr(let number): "ivr:\(number)"
        case .queue(let name): "queue:\(name)"
        case .group(let name): "group:\(name)"
        case .room(let number): "room:\(number)"
        case .voicemail(let ext): "voicemail:\(ext)"
        }
    }

    /// Where the IVR machinery takes the call (rooms are not its: nil).
    public var ivrDestination: IVRDestination? {
        switch self {
        case .ivr(let number): .menu(number)
        case .queue(let name): .queue(name)
        case .group(let name): .group(name)
        case .voicemail(let ext): .voicemail(ext)
        case .room: nil
        }
    }
}
