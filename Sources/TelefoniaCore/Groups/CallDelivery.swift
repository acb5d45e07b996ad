import Logging

/// Rings lines for a call the server answered and bridges the first to answer: the
/// host's one primitive for handing calls on (the SIP server dials the lines' phones).
/// Puts a caller into a queue (C2) and keeps it there until an agent took the call and
/// one of them hung up, the caller gave up, or the maximum wait sent it to the overflow.
/// The host implements it (the SIP server runs a `QueueCenter`).
public protocol QueueConnector: Sendable {
    func wait(in queue: String, tenantID: String, caller: String, on channel: any CallChannel) async -> IVRConnectOutcome
}

/// The voice portal (F3) as an IVR option: an authorised caller keys a number and is
/// connected through its line; anyone else fails with why.
public protocol PortalConnector: Sendable {
    func dialOut(tenantID: String, caller: String, on channel: any CallChannel) async -> IVRConnectOutcome
}

public protocol LineRinger: Sendable {
    /// Rings `extensions` of `tenantID` at once, for `seconds` (nil: the line's own ring
    /// time), presenting `caller`; the caller hears ringback meanwhile. Once one answers
    /// it is bridged to `channel` until either side hangs up.
    func ring(_ extensions: [String], tenantID: String, caller: String, seconds: Int?, on channel: any CallChannel) async
        -> IVRConnectOutcome
}

/// Hands a call leaving an IVR (or reaching a DID routed to a group) to its
/// destination: a line, or a call group by its strategy (L3), with the group's
/// no-answer destination as the overflow; a line's voicemail box, a queue, the voice
/// portal. What the host does not offer fails with that reason.
public struct CallDelivery: IVRConnector {
    public let groups: @Sendable (_ tenantID: String, _ name: String) throws -> CallGroup?
    public let ringer: any LineRinger
    /// Takes messages for `.voicemail(ext)`; nil: voicemail is not available.
    public let voicemail: VoicemailDeposit?
    private let logger: Logger

    /// Takes callers into queues (C2); nil: queues are not available.
    public let queues: (any QueueConnector)?
    /// Dials out for authorised callers (F3); nil: the portal is not available.
    public let portal: (any PortalConnector)?

    public init(groups: @escaping @Sendable (_ tenantID: String, _ name: String) throws -> CallGroup?, ringer: any LineRinger,
                voicemail: VoicemailDeposit? = nil, queues: (any QueueConnector)? = nil, portal: (any PortalConnector)? = nil,
                logger: Logger = Logger(label: "telefonia.delivery")) {
        self.groups = groups
        self.ringer = ringer
        self.voicemail = voicemail
        self.queues = queues
        self.portal = portal
        self.logger = logger
    }

    public func connect(_ destination: IVRDestination, tenantID: String, caller: String, on channel: any CallChannel) async
        -> IVRConnectOutcome {
        switch destination {
        case .line(let ext):
            return await ringer.ring([ext], tenantID: tenantID, caller: caller, seconds: nil, on: channel)
        case .group(let name):
            guard let group = try? groups(tenantID, name) else { return .failed("call group \(name) does not exist") }
            guard group.enabled else { return .overflow(group.noAnswer, "group \(name) is disabled") }
            var random = SystemRandomNumberGenerator()
            for round in group.ringingOrder(using: &random) {
                let outcome = await ringer.ring(round, tenantID: tenantID, caller: caller, seconds: group.roundTime, on: channel)
                guard case .failed = outcome else { return outcome }
                guard channel.isUp else { return .answered }
            }
            return .overflow(group.noAnswer, "no one in group \(name) answered")
        case .voicemail(let ext):
            guard let voicemail else { return .failed("voicemail is not available") }
            await voicemail.run(tenantID: tenantID, extensionNumber: ext, caller: caller, on: channel, logger: logger)
            return .answered
        case .queue(let name):
            guard let queues else { return .failed("queues are not available here") }
            return await queues.wait(in: name, tenantID: tenantID, caller: caller, on: channel)
        case .portal:
            guard let portal else { return .failed("the voice portal is not available here") }
            return await portal.dialOut(tenantID: tenantID, caller: caller, on: channel)
        default:
            return .failed("\(destination) is not built yet")
        }
    }
}
