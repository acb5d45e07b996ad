/// What an IVR run reads: the tenant's menus and time profiles, and whether an
/// extension exists (direct dialling). Read at each step, so a change applies to the
/// next menu a caller reaches.
public protocol IVRDirectory: Sendable {
    func menu(tenantID: String, number: String) throws -> IVRMenu?
    func timeProfile(tenantID: String, name: String) throws -> TimeProfile?
    func hasLine(tenantID: String, extensionNumber: String) throws -> Bool
}

/// One thing that happened in an IVR (R3: "the path and actions taken").
public struct IVRStep: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The menu's number.
    public var menu: String
    /// What the caller did or what was found: a key ("1"), an extension ("201"), `T`
    /// (no key in time), `I:7` (key 7 has no option), `after-hours`, `attempts`
    /// (too many tries), `missing` (the menu is gone), `loop` (too many menus).
    public var event: String
    /// What the menu did: a destination (`menu:2`, `line:201`, `hangup`…) or `repeat`.
    public var action: String

    public init(menu: String, event: String, action: String) {
        self.menu = menu
        self.event = event
        self.action = action
    }

    public var description: String { "\(menu):\(event)→\(action)" }
}

/// How an IVR run ended.
public enum IVRExit: Sendable, Equatable {
    /// The caller hung up in the IVR.
    case callerHungUp
    /// The IVR hung up (an option, after hours, too many attempts, a loop).
    case hungUp
    /// The call goes on to a line, group, queue, voicemail box or the portal.
    case connect(IVRDestination)
}

/// The IVR as async code over a `CallChannel` (L5): greeting with barge-in, the
/// caller's key (or extension when direct dialling is on), timeouts and invalid keys
/// with their audio and an attempt limit, time profiles with the after-hours action,
/// menus leading to menus (at most `maxMenus` per call: a loop of menus ends in a hang-up).
/// Every step is kept in `path`.
public struct IVRFlow: Sendable {
    public let tenantID: String
    private let directory: any IVRDirectory
    private let clock: any WallClock
    /// Menus one call may pass through before the IVR gives up (loop protection).
    public static let maxMenus = 20

    public init(tenantID: String, directory: any IVRDirectory, clock: any WallClock) {
        self.tenantID = tenantID
        self.directory = directory
        self.clock = clock
    }

    /// Runs from menu `number` until the call leaves the IVR.
    public func run(from number: String, on channel: any CallChannel) async -> (exit: IVRExit, path: [IVRStep]) {
        var path: [IVRStep] = []
        do {
            let exit = try await walk(from: number, on: channel, path: &path)
            return (exit, path)
        } catch {
            // ChannelError.hungUp, or a store that failed: either way the call is over here.
            if !(error is ChannelError) { path.append(IVRStep(menu: number, event: "error", action: "hangup")) }
            return (.callerHungUp, path)
        }
    }

    private func walk(from start: String, on channel: any CallChannel, path: inout [IVRStep]) async throws -> IVRExit {
        var number = start
        var menusEntered = 0
        menus: while true {
            menusEntered += 1
            guard menusEntered <= Self.maxMenus else {
                path.append(IVRStep(menu: number, event: "loop", action: "hangup"))
                return .hungUp
            }
            guard let menu = try directory.menu(tenantID: tenantID, number: number) else {
                path.append(IVRStep(menu: number, event: "missing", action: "hangup"))
                return .hungUp
            }
            if let name = menu.timeProfile, let profile = try directory.timeProfile(tenantID: tenantID, name: name),
               !profile.isOpen(atMillis: clock.nowMillis()) {
                if let audio = menu.afterHoursAudio { try await play(audio, on: channel) }
                path.append(IVRStep(menu: number, event: "after-hours", action: menu.afterHours.description))
                switch menu.afterHours {
                case .menu(let next):
                    number = next
                    continue menus
                case .hangUp:
                    return .hungUp
                default:
                    return .connect(menu.afterHours)
                }
            }
            var attempts = 0
            while attempts < menu.maxAttempts {
                let input = try await ask(menu, on: channel)
                let (event, chosen) = try choice(for: input, in: menu)
                let destination = chosen ?? .invalid
                if destination == .invalid {
                    attempts += 1
                    path.append(IVRStep(menu: number, event: event, action: "repeat"))
                    if input.isEmpty {
                        if let audio = menu.timeoutAudio { try await play(audio, on: channel) }
                    } else {
                        try await play(menu.invalidAudio ?? Prompts.invalidOption, on: channel)
                    }
                    continue
                }
                path.append(IVRStep(menu: number, event: event, action: destination.description))
                switch destination {
                case .menu(let next):
                    number = next
                    continue menus
                case .hangUp:
                    return .hungUp
                default:
                    return .connect(destination)
                }
            }
            path.append(IVRStep(menu: number, event: "attempts", action: "hangup"))
            return .hungUp
        }
    }

    /// Plays a menu's audio; one the tenant removed (or never uploaded) is skipped, not
    /// the end of the call: the menu still works, silent where the audio was.
    private func play(_ name: String, on channel: any CallChannel, bargeIn: Bool = false) async throws {
        do {
            try await channel.play(.prompt(name), bargeIn: bargeIn)
        } catch ChannelError.unknownPrompt {
            return
        }
    }

    /// Plays the greeting (a key interrupts it) and collects the caller's entry: one key,
    /// or with direct dialling up to an extension's length, each key waited for
    /// `interDigitTimeout`. Empty when nothing came in time.
    private func ask(_ menu: IVRMenu, on channel: any CallChannel) async throws -> String {
        if let greeting = menu.greeting { try await play(greeting, on: channel, bargeIn: true) }
        return try await channel.collectDigits(DigitCollection(
            maxDigits: menu.directDial ? 16 : 1, firstDigitTimeout: menu.responseTimeout * 1000,
            interDigitTimeout: menu.interDigitTimeout * 1000, terminator: nil))
    }

    /// The step's event and the destination an entry leads to (nil: no option for it,
    /// which the `I` option or the invalid audio handles).
    private func choice(for input: String, in menu: IVRMenu) throws -> (String, IVRDestination?) {
        if input.isEmpty { return ("T", menu.options[.timeout]) }
        if input.count == 1, let key = IVRKey(digit: input.first!), let destination = menu.options[key] {
            return (input, destination)
        }
        if input.count >= 2, menu.directDial, try directory.hasLine(tenantID: tenantID, extensionNumber: input) {
            return (input, .line(input))
        }
        return ("I:" + input, menu.options[.invalid])
    }
}
