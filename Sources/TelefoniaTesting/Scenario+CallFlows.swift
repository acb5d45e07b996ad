import Foundation
import TelefoniaCore

/// The call flows of a scenario (issue 9): time profiles, IVRs, call groups, pickup
/// groups, what callers do in applications, and what their visits must show.
extension Scenario {
    /// A time profile (P7).
    public struct TimeProfileSpec: Sendable, Decodable {
        public var name: String
        public var timeZone: String?
        public var week: [String: [OpenInterval]]?
        public var holidays: [String]?
    }

    /// An IVR menu (L5).
    public struct IVRSpec: Sendable, Decodable {
        public var number: String
        public var name: String?
        public var greeting: String?
        public var responseTimeout: Int?
        public var interDigitTimeout: Int?
        public var timeProfile: String?
        public var afterHours: IVRDestination?
        public var afterHoursAudio: String?
        public var maxAttempts: Int?
        public var options: [String: IVRDestination]?
        public var directDial: Bool?
        public var survey: Bool?
    }

    /// A call group (L3).
    public struct GroupSpec: Sendable, Decodable {
        public var name: String
        public var strategy: CallGroup.Strategy?
        public var members: [String]
        public var memberRingTime: Int?
        public var ringTime: Int?
        public var enabled: Bool?
        public var noAnswer: IVRDestination?
    }

    /// A pickup group (L4).
    public struct PickupGroupSpec: Sendable, Decodable {
        public var name: String
        public var pickers: [String]
        public var pickable: [String]
    }

    /// One thing a caller does when an application waits for it: keys ("1", "1001#"),
    /// "silence", "hangup", or "speak:SECONDS" (into a voicemail box).
    public struct CallerStep: Sendable, Decodable {
        public var step: ScriptedChannel.Caller

        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            switch text.lowercased() {
            case "silence": step = .silence
            case "hangup": step = .hangUp
            case let speak where speak.hasPrefix("speak:"):
                guard let seconds = Double(speak.dropFirst(6)), seconds > 0 else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\"\(text)\": speak:SECONDS"))
                }
                step = .speak(seconds)
            default:
                guard !text.isEmpty, text.allSatisfy({ "0123456789*#".contains($0) }) else {
                    throw DecodingError.dataCorrupted(.init(
                        codingPath: decoder.codingPath,
                        debugDescription: "\"\(text)\" is not a caller step: keys (0-9 * #), silence, hangup or speak:SECONDS"))
                }
                step = .keys(text)
            }
        }
    }

    /// Unix ms of `start`, or the clock's default.
    func startMillis() throws(ScenarioError) -> Int64 {
        guard let start else { return ManualClock.defaultStartMillis }
        guard let date = ISO8601DateFormatter().date(from: start) else {
            throw ScenarioError("start: \"\(start)\" is not an ISO 8601 time such as 2026-12-07T09:00:00-03:00")
        }
        return Int64(date.timeIntervalSince1970 * 1000)
    }

    /// Saves the scenario's profiles, menus and groups, each checked as the CLI checks them.
    func saveCallFlows(in store: MemoryStore, tenantID: String) throws {
        for (index, spec) in (timeProfiles ?? []).enumerated() {
            var week: [Weekday: [OpenInterval]] = [:]
            for (day, intervals) in spec.week ?? [:] {
                guard let weekday = Weekday(rawValue: day.lowercased()) else {
                    throw ScenarioError("timeProfiles[\(index)].week: \"\(day)\" is not a weekday (mon, tue, … sun)")
                }
                week[weekday] = intervals
            }
            var holidays: [Holiday] = []
            for text in spec.holidays ?? [] {
                guard let holiday = Holiday(parsing: text) else {
                    throw ScenarioError("timeProfiles[\(index)].holidays: \"\(text)\" is not a date (2026-12-25, 2026-12-24=08:00-12:00)")
                }
                holidays.append(holiday)
            }
            let profile = TimeProfile(tenantID: tenantID, name: spec.name, timeZone: spec.timeZone ?? TimeProfile.defaultTimeZone,
                                      week: week, holidays: holidays)
            if let problem = profile.problem() { throw ScenarioError("timeProfiles[\(index)]: \(problem)") }
            try store.save(profile)
        }
        for (index, spec) in (groups ?? []).enumerated() {
            let group = CallGroup(tenantID: tenantID, name: spec.name, strategy: spec.strategy ?? .ringAll, members: spec.members,
                                  memberRingTime: spec.memberRingTime ?? 15, ringTime: spec.ringTime ?? 30,
                                  enabled: spec.enabled ?? true, noAnswer: spec.noAnswer ?? .hangUp)
            if let problem = group.problem() { throw ScenarioError("groups[\(index)]: \(problem)") }
            try store.save(group)
        }
        // Menus point to each other: each is saved once those it names are.
        var pendingMenus: [(Int, IVRMenu)] = []
        for (index, spec) in (ivrs ?? []).enumerated() {
            var options: [IVRKey: IVRDestination] = [:]
            for (key, destination) in spec.options ?? [:] {
                guard let ivrKey = IVRKey(rawValue: key.uppercased()) else {
                    throw ScenarioError("ivrs[\(index)].options: \"\(key)\" is not a key (0-9, #, *, T, I)")
                }
                options[ivrKey] = destination
            }
            let menu = IVRMenu(
                tenantID: tenantID, number: spec.number, name: spec.name ?? "IVR \(spec.number)", greeting: spec.greeting,
                responseTimeout: spec.responseTimeout ?? 5, interDigitTimeout: spec.interDigitTimeout ?? 3,
                timeProfile: spec.timeProfile, afterHoursAudio: spec.afterHoursAudio, afterHours: spec.afterHours ?? .hangUp,
                maxAttempts: spec.maxAttempts ?? 3, options: options, directDial: spec.directDial ?? false,
                survey: spec.survey ?? false)
            if let problem = menu.problem() { throw ScenarioError("ivrs[\(index)]: \(problem)") }
            pendingMenus.append((index, menu))
        }
        while let (index, _) = pendingMenus.first {
            let before = pendingMenus.count
            var failure: (any Error)?
            pendingMenus.removeAll { _, menu in
                do {
                    try store.save(menu)
                    return true
                } catch {
                    failure = failure ?? error
                    return false
                }
            }
            if let failure, pendingMenus.count == before { throw ScenarioError("ivrs[\(index)]: \(failure)") }
        }
        for (index, spec) in (pickupGroups ?? []).enumerated() {
            let group = PickupGroup(tenantID: tenantID, name: spec.name, pickers: spec.pickers, pickable: spec.pickable)
            if let problem = group.problem() { throw ScenarioError("pickupGroups[\(index)]: \(problem)") }
            try store.save(group)
        }
    }

    /// The call's IVR visit and voicemail against what the expectation says.
    func checkFlows(_ expected: Expectation, index: Int, visit: IVRVisit?, messages: [VoicemailMessage]) -> [String] {
        let action = actions[expected.call]
        let label = "expect[\(index)]: call \(expected.call) (\(action.from ?? "?") → \(action.dial ?? "?"))"
        var failures: [String] = []
        if expected.path != nil || expected.exit != nil || expected.survey != nil {
            guard let visit else { return failures + ["\(label): the call made no IVR visit"] }
            let path = visit.path.map(\.description).joined(separator: " ")
            if let wanted = expected.path, !path.contains(wanted) {
                failures.append("\(label): IVR path is \"\(path)\", expected it to contain \"\(wanted)\"")
            }
            if let wanted = expected.exit, visit.exit != wanted {
                failures.append("\(label): IVR exit is \(visit.exit), expected \(wanted)")
            }
            if let wanted = expected.survey, visit.surveyScore != wanted {
                failures.append("\(label): survey score is \(visit.surveyScore.map(String.init) ?? "none"), expected \(wanted)")
            }
        }
        if let box = expected.voicemail,
           !messages.contains(where: { $0.extensionNumber == box && $0.caller == (action.from ?? "") }) {
            failures.append("\(label): no message from \(action.from ?? "?") in \(box)'s voicemail")
        }
        return failures
    }
}
