import Logging

/// One call's way through IVR menus (R3), and its survey score (R4).
public struct IVRVisit: Sendable, Equatable, Codable {
    /// The call's id (its CDR's), when the host knows it.
    public var callID: String
    public var tenantID: String
    /// The menu the call entered first.
    public var menu: String
    /// The caller's number.
    public var caller: String
    public var startedAt: Int64
    public var endedAt: Int64
    /// Every step, in order.
    public var path: [IVRStep]
    /// How it left: `hangup` (the IVR hung up), `caller-hangup`, or the destination
    /// (`line:201`, `voicemail:202`…), with `!` and why when that could not be reached.
    public var exit: String
    /// The survey's score, 1 to 5, when the caller gave one.
    public var surveyScore: Int?
    /// The menu whose survey was asked (the one the call left from), when one was.
    public var surveyMenu: String?

    public init(callID: String, tenantID: String, menu: String, caller: String, startedAt: Int64, endedAt: Int64,
                path: [IVRStep], exit: String, surveyScore: Int? = nil, surveyMenu: String? = nil) {
        self.callID = callID
        self.tenantID = tenantID
        self.menu = menu
        self.caller = caller
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.path = path
        self.exit = exit
        self.surveyScore = surveyScore
        self.surveyMenu = surveyMenu
    }
}

/// What happened when the IVR handed the call on.
public enum IVRConnectOutcome: Sendable, Equatable {
    /// The destination answered and hung up first; the caller is still on the line.
    case answeredAndLeft
    /// The destination answered, and the caller hung up (or the call ended otherwise).
    case answered
    /// The destination could not take the call (why, for the log and the visit).
    case failed(String)
    /// Nobody took it there; it goes on to this destination (a group's no-answer), and why.
    case overflow(IVRDestination, String)
}

/// Hands a call leaving an IVR to a line, group, queue, voicemail box or the portal.
/// The host implements it (the SIP server places the leg and bridges it).
public protocol IVRConnector: Sendable {
    func connect(_ destination: IVRDestination, tenantID: String, caller: String, on channel: any CallChannel) async
        -> IVRConnectOutcome
}

/// Where finished visits go (the store, on the server).
public protocol IVRJournal: Sendable {
    func record(_ visit: IVRVisit)
}

/// The IVR as a server application: runs `IVRFlow` from a menu (or hands a DID's
/// call straight to a group), hands the call to its destination and on through
/// overflows (a group nobody answered → its no-answer destination, which may be a menu
/// again), asks the survey when the last menu has it and the answering party hung up
/// first, and journals the visit (R3, R4) of every call that entered a menu.
public struct IVRApplication: CallApplication {
    public let name: String
    private let flow: IVRFlow
    private let start: IVRDestination
    private let callID: String
    private let caller: String
    private let directory: any IVRDirectory
    private let connector: any IVRConnector
    private let journal: any IVRJournal
    private let clock: any WallClock
    /// Destinations one call may pass (menus count once per entry, see `IVRFlow.maxMenus`).
    public static let maxHandOffs = 8

    /// Starts at `start`: `.menu(N)` (a DID or `*92N`) or `.group(NAME)` (a DID routed to a group).
    public init(tenantID: String, start: IVRDestination, callID: String, caller: String, directory: any IVRDirectory,
                connector: any IVRConnector, journal: any IVRJournal, clock: any WallClock) {
        switch start {
        case .menu(let number): self.name = IVRDialling.applicationName(tenantID: tenantID, number: number)
        default: self.name = "\(start)"
        }
        self.flow = IVRFlow(tenantID: tenantID, directory: directory, clock: clock)
        self.start = start
        self.callID = callID
        self.caller = caller
        self.directory = directory
        self.connector = connector
        self.journal = journal
        self.clock = clock
    }

    public func run(on channel: any CallChannel, logger: Logger) async {
        let startedAt = clock.nowMillis()
        var path: [IVRStep] = []
        var exit = ""
        var survey: (menu: String, score: Int?)?
        var next = start
        var handOffs = 0
        walk: while true {
            handOffs += 1
            guard handOffs <= Self.maxHandOffs else {
                path.append(IVRStep(menu: path.last?.menu ?? "-", event: "loop", action: "hangup"))
                exit = "hangup"
                break
            }
            switch next {
            case .menu(let number):
                let (flowExit, steps) = await flow.run(from: number, on: channel)
                path += steps
                switch flowExit {
                case .callerHungUp:
                    exit = "caller-hangup"
                    break walk
                case .hungUp:
                    exit = "hangup"
                    _ = try? await channel.play(.silence(milliseconds: 300), bargeIn: false)
                    break walk
                case .connect(let destination):
                    next = destination
                }
            case .hangUp, .invalid:
                exit = "hangup"
                break walk
            default:
                exit = next.description
                switch await connector.connect(next, tenantID: flow.tenantID, caller: caller, on: channel) {
                case .failed(let why):
                    exit += "!" + why
                    logger.warning("destination not reached", metadata: [
                        "tel.call_id": "\(callID)", "destination": "\(next)", "reason": "\(why)",
                    ])
                    _ = try? await channel.play(.prompt(Prompts.unavailable), bargeIn: false)
                    _ = try? await channel.play(.silence(milliseconds: 300), bargeIn: false)
                    break walk
                case .overflow(let destination, let why):
                    path.append(IVRStep(menu: next.description, event: "no-answer", action: destination.description))
                    logger.info("overflow", metadata: ["tel.call_id": "\(callID)", "from": "\(next)", "to": "\(destination)", "reason": "\(why)"])
                    guard channel.isUp else {
                        exit = "caller-hangup"
                        break walk
                    }
                    next = destination
                case .answered:
                    break walk
                case .answeredAndLeft:
                    if let last = path.last(where: { IVRMenu.isValidNumber($0.menu) }),
                       let menu = try? directory.menu(tenantID: flow.tenantID, number: last.menu), menu.survey {
                        survey = (menu.number, await self.survey(menu, on: channel))
                    }
                    break walk
                }
            }
        }
        // Calls that never entered a menu (a DID straight to a group) are not IVR visits.
        guard let first = path.first(where: { IVRMenu.isValidNumber($0.menu) }) else { return }
        journal.record(IVRVisit(
            callID: callID, tenantID: flow.tenantID, menu: first.menu, caller: caller, startedAt: startedAt,
            endedAt: clock.nowMillis(), path: path, exit: exit, surveyScore: survey?.score, surveyMenu: survey?.menu))
    }

    /// Asks for a score from 1 to 5 (twice at most); nil when none came.
    private func survey(_ menu: IVRMenu, on channel: any CallChannel) async -> Int? {
        do {
            for _ in 0..<2 {
                try await channel.play(.prompt(menu.surveyAudio ?? Prompts.surveyQuestion), bargeIn: true)
                let key = try await channel.collectDigits(DigitCollection(
                    maxDigits: 1, firstDigitTimeout: 10_000, interDigitTimeout: 1000, terminator: nil))
                if let score = Int(key), (1...5).contains(score) {
                    try await channel.play(.prompt(Prompts.thankYou), bargeIn: false)
                    _ = try? await channel.play(.silence(milliseconds: 300), bargeIn: false)
                    return score
                }
                if !key.isEmpty { try await channel.play(.prompt(Prompts.invalidOption), bargeIn: false) }
            }
        } catch {}
        return nil
    }
}
