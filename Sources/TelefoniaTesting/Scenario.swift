import Foundation
import TelefoniaCore

/// A simulation described in JSON: one tenant, its lines (permissions and phone
/// behaviour), registrations, a trunk, DIDs, how public numbers answer, a script of
/// calls and the CDRs expected of them. `telefonia-sim` runs these files and the
/// tests run the examples, so a scenario is both a demo and a regression test.
///
/// ```json
/// { "tenant": { "areaCode": "11" },
///   "trunk": { "id": "carrier", "host": "198.51.100.10" },
///   "lines": [ { "extension": "1000" },
///              { "extension": "1001", "behaviour": "answer", "answerAfter": 2 } ],
///   "actions": [ { "at": 0, "from": "1000", "dial": "1001", "hangupAfter": 5 } ],
///   "expect": [ { "call": 0, "disposition": "ANSWERED", "billable": 5 } ] }
/// ```
///
/// Keys (every one optional unless marked):
/// - `name` (string): shown in reports.
/// - `seed` (integer, 0): seed of the random delays; `--seed` overrides it.
/// - `tenant`: `id` ("t1"), `domain` ("sim.telefonia.test"), `name`, `areaCode` ("11").
/// - `trunk`: `id` (required), `host` ("192.0.2.1"), `port` (5060), `transport` ("udp").
/// - `trunkRingTimeout` (seconds, 60): ring time of calls to the public network.
/// - `lines[]`: `extension` (required), `permissions` ("fixed,mobile,ldn"; names from
///   `Permissions.names`, "" for none), `callerID`, `ringTimeout` (30), and the phone:
///   `behaviour` ("answer", "busy", "reject", "never", "unregistered"; default "answer"),
///   `answerAfter` (1), `hangupAfter` (callee hangs up after answering), `status`
///   (for "reject", 603), `ringDelay` (0).
/// - `registrations[]`: `line`, `expiresIn` (3600). When present, only these bindings
///   exist; otherwise every phone but the "unregistered" ones registers for an hour.
/// - `dids[]`: `number` (E.164), `line`.
/// - `network`: `default` (a behaviour, "answer" after 1 s) and `numbers` (E.164 →
///   behaviour) for the far ends of calls sent to the trunk.
/// - `actions[]`: a call `{ "at", "from", "dial", "hangupAfter", "cancelAfter" }`
///   (from a line; with `"trunk": "id"` it comes in from that trunk, `from` being
///   the caller's number), or `{ "at", "mediaTimeout": call }` or `{ "at", "shutdown": true }`.
/// - `expect[]`: `call` (required, index into `actions`), `disposition`, `billable`,
///   `cause`, `reason` (a substring), `normalized`, `class`, `direction`, `trunk`; for
///   calls through applications `path` (a substring of the IVR visit's path, R3), `exit`
///   (the visit's exit), `survey` (its score, R4), `voicemail` (the line whose box got a
///   message from the caller).
///
/// Call flows (issue 9), run by the core's own applications (`SimulatedApplications`):
/// - `start`: when the simulation starts, ISO 8601 ("2026-12-07T09:00:00-03:00"), for
///   time profiles; default 2025-01-01T12:00:00Z.
/// - `timeProfiles[]`: `name`, `timeZone`, `week` (`{"mon": ["08:00-18:00"], …}`),
///   `holidays` (`["2026-12-25", "2026-12-24=08:00-12:00"]`).
/// - `ivrs[]`: `number`, `name`, `greeting`, `responseTimeout`, `interDigitTimeout`,
///   `timeProfile`, `afterHours` ("voicemail:1001"), `maxAttempts`, `options`
///   (`{"1": "line:1001", "2": "group:vendas", "T": "hangup"}`), `directDial`, `survey`.
/// - `groups[]`: `name`, `strategy` (ring-all, sequential, random), `members`,
///   `memberRingTime`, `ringTime`, `enabled`, `noAnswer`.
/// - `pickupGroups[]`: `name`, `pickers`, `pickable`.
/// - `lines[]` also take `voicemail` (true) and `voicemailPIN`; `dids[]` take `route`
///   ("ivr:1", "group:vendas").
/// - a call action takes `keys`: what its caller does when an application answers, in
///   order — keys ("1", "1001#"), "silence", "hangup", "speak:2.5" (seconds); its
///   `hangupAfter` is then the talk time with a line the application connects it to.
///
/// Times are seconds from the start; a delay is a number or `[low, high]`, drawn
/// with the seed.
public struct Scenario: Sendable, Decodable {
    public var name: String?
    public var seed: UInt64?
    public var tenant: TenantSpec?
    public var trunk: TrunkSpec?
    public var trunkRingTimeout: Int?
    public var lines: [LineSpec]
    public var registrations: [RegistrationSpec]?
    public var dids: [DIDSpec]?
    public var network: NetworkSpec?
    public var actions: [ActionSpec]
    public var expect: [Expectation]?
    public var start: String?
    public var timeProfiles: [TimeProfileSpec]?
    public var ivrs: [IVRSpec]?
    public var groups: [GroupSpec]?
    public var pickupGroups: [PickupGroupSpec]?

    /// Decodes a scenario; errors name the key at fault.
    public init(json: Data) throws(ScenarioError) {
        do {
            self = try JSONDecoder().decode(Scenario.self, from: json)
        } catch let error as DecodingError {
            throw ScenarioError(Self.describe(error))
        } catch {
            throw ScenarioError("the scenario is not valid JSON: \(error)")
        }
    }

    // MARK: - Parts

    /// The tenant whose lines the scenario runs.
    public struct TenantSpec: Sendable, Decodable {
        public var id: String?
        public var domain: String?
        public var name: String?
        public var areaCode: String?
    }

    /// The carrier trunk.
    public struct TrunkSpec: Sendable, Decodable {
        public var id: String
        public var host: String?
        public var port: Int?
        public var transport: String?
    }

    /// A delay in seconds: `3` or `[2, 5]`.
    public struct DelaySpec: Sendable, Decodable {
        public var delay: SimulatedPhone.Delay

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let seconds = try? container.decode(Double.self) {
                delay = SimulatedPhone.Delay(seconds: seconds)
                return
            }
            let bounds = try container.decode([Double].self)
            guard bounds.count == 2, bounds[0] <= bounds[1], bounds[0] >= 0 else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "a delay is seconds or [low, high] with 0 ≤ low ≤ high")
            }
            delay = SimulatedPhone.Delay(bounds[0]...bounds[1])
        }
    }

    /// How a phone or a far end answers calls.
    public struct BehaviourSpec: Sendable, Decodable {
        public var behaviour: String?
        public var answerAfter: DelaySpec?
        public var hangupAfter: DelaySpec?
        public var status: Int?
        public var ringDelay: DelaySpec?

        /// The behaviour this names; `context` says where, for the error message.
        public func resolved(_ context: String) throws(ScenarioError) -> SimulatedPhone.Behaviour {
            switch behaviour ?? "answer" {
            case "answer", "answers":
                return .answers(after: answerAfter?.delay ?? 1, hangsUpAfter: hangupAfter?.delay)
            case "busy":
                return .busy
            case "reject", "rejects":
                let status = status ?? 603
                guard (400...699).contains(status) else {
                    throw ScenarioError("\(context): status \(status) is not a final failure status (400–699)")
                }
                return .rejects(status: status)
            case "never", "no-answer", "neverAnswers":
                return .neverAnswers
            case "unregistered", "off":
                return .unregistered
            case let other:
                throw ScenarioError(
                    "\(context): unknown behaviour \"\(other)\"; use answer, busy, reject, never or unregistered")
            }
        }
    }

    /// A line of the tenant with the behaviour of its phone.
    public struct LineSpec: Sendable, Decodable {
        public var extensionNumber: String
        public var permissions: String?
        public var callerID: String?
        public var ringTimeout: Int?
        public var phone: BehaviourSpec
        /// T1: what the line's user set (`dnd`, `forwardAlways`, `forwardBusy`,
        /// `forwardNoAnswer`, `callWaiting`).
        public var dnd: Bool?
        public var forwardAlways: String?
        public var forwardBusy: String?
        public var forwardNoAnswer: String?
        public var callWaiting: Bool?
        /// T5: the line's voicemail box and its PIN.
        public var voicemail: Bool?
        public var voicemailPIN: String?

        private enum CodingKeys: String, CodingKey {
            case extensionNumber = "extension", permissions, callerID, ringTimeout, dnd, forwardAlways, forwardBusy,
                 forwardNoAnswer, callWaiting, voicemail, voicemailPIN
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            extensionNumber = try container.decode(String.self, forKey: .extensionNumber)
            permissions = try container.decodeIfPresent(String.self, forKey: .permissions)
            callerID = try container.decodeIfPresent(String.self, forKey: .callerID)
            ringTimeout = try container.decodeIfPresent(Int.self, forKey: .ringTimeout)
            dnd = try container.decodeIfPresent(Bool.self, forKey: .dnd)
            forwardAlways = try container.decodeIfPresent(String.self, forKey: .forwardAlways)
            forwardBusy = try container.decodeIfPresent(String.self, forKey: .forwardBusy)
            forwardNoAnswer = try container.decodeIfPresent(String.self, forKey: .forwardNoAnswer)
            callWaiting = try container.decodeIfPresent(Bool.self, forKey: .callWaiting)
            voicemail = try container.decodeIfPresent(Bool.self, forKey: .voicemail)
            voicemailPIN = try container.decodeIfPresent(String.self, forKey: .voicemailPIN)
            phone = try BehaviourSpec(from: decoder)
        }
    }

    /// A binding of a line.
    public struct RegistrationSpec: Sendable, Decodable {
        public var line: String
        public var expiresIn: Int64?
    }

    /// A public number routed to a line.
    public struct DIDSpec: Sendable, Decodable {
        public var number: String
        public var line: String
        /// T3: an IVR or a call group instead of the line.
        public var route: DIDRoute?
    }

    /// The far ends of calls sent to the trunk.
    public struct NetworkSpec: Sendable, Decodable {
        public var `default`: BehaviourSpec?
        public var numbers: [String: BehaviourSpec]?
    }

    /// One step of the script.
    public struct ActionSpec: Sendable, Decodable {
        public var at: Double?
        public var from: String?
        public var dial: String?
        public var trunk: String?
        public var hangupAfter: DelaySpec?
        public var cancelAfter: DelaySpec?
        public var mediaTimeout: Int?
        public var shutdown: Bool?
        public var keys: [CallerStep]?

        /// Whether this step places a call.
        public var isCall: Bool { dial != nil }
    }

    /// What the CDR of one call must say.
    public struct Expectation: Sendable, Decodable {
        public var call: Int
        public var disposition: String?
        public var billable: Int?
        public var cause: Int?
        public var reason: String?
        public var normalized: String?
        public var numberClass: String?
        public var direction: String?
        public var trunk: String?
        public var path: String?
        public var exit: String?
        public var survey: Int?
        public var voicemail: String?

        private enum CodingKeys: String, CodingKey {
            case call, disposition, billable, cause, reason, normalized, numberClass = "class", direction, trunk, path, exit,
                 survey, voicemail
        }
    }

    // MARK: - Running

    /// What a run produced and which expectations failed.
    public struct Outcome: Sendable {
        public var name: String
        public var seed: UInt64
        public var timeline: [Simulation.Entry]
        public var cdrs: [CDR]
        /// One message per failed expectation; empty when the run is as expected.
        public var failures: [String]
        public var expectationCount: Int
        /// The CDR of each call action, by action index (nil for other actions or calls without one).
        public var cdrsByAction: [Int: CDR]
        /// IVR visits (R3, R4) of the run's calls.
        public var visits: [IVRVisit]
        /// Voicemail messages left during the run.
        public var voicemail: [VoicemailMessage]

        public var passed: Bool { failures.isEmpty }
    }

    /// Runs the scenario to the end (and shuts down whatever is still up) and checks the expectations.
    public func run(seed overridingSeed: UInt64? = nil) async throws(ScenarioError) -> Outcome {
        let seed = overridingSeed ?? seed ?? 0
        let tenantID = tenant?.id ?? "t1"
        let domain = tenant?.domain ?? "sim.telefonia.test"
        let store = MemoryStore()
        do {
            if let trunk {
                try store.save(Trunk(id: trunk.id, host: trunk.host ?? "192.0.2.1", port: trunk.port ?? 5060,
                                     transport: trunk.transport ?? "udp"))
            }
            let areaCode = tenant?.areaCode ?? "11"
            guard NumberPlan.isValidAreaCode(areaCode) else {
                throw ScenarioError("tenant.areaCode: \"\(areaCode)\" is not a Brazilian area code (11–99, no zero)")
            }
            try store.save(Tenant(id: tenantID, domain: domain, name: tenant?.name ?? tenantID, areaCode: areaCode,
                                  trunkID: trunk?.id))
            for (index, spec) in lines.enumerated() {
                let permissions: Permissions
                if let names = spec.permissions {
                    guard let parsed = Permissions(names: names) else {
                        let known = Permissions.names.map(\.0).joined(separator: ", ")
                        throw ScenarioError("lines[\(index)].permissions: \"\(names)\" has an unknown name; use \(known)")
                    }
                    permissions = parsed
                } else {
                    permissions = .defaultLine
                }
                let password = "sim-\(spec.extensionNumber)"
                try store.save(Line(
                    tenantID: tenantID, extensionNumber: spec.extensionNumber,
                    ha1MD5: Digest.ha1(username: spec.extensionNumber, realm: domain, password: password, algorithm: .md5),
                    ha1SHA256: Digest.ha1(username: spec.extensionNumber, realm: domain, password: password, algorithm: .sha256),
                    callerID: spec.callerID, permissions: permissions, ringTimeout: spec.ringTimeout ?? 30))
            }
            for (index, spec) in lines.enumerated() {
                let features = LineFeatures(
                    tenantID: tenantID, extensionNumber: spec.extensionNumber, doNotDisturb: spec.dnd ?? false,
                    forwardAlways: spec.forwardAlways, forwardBusy: spec.forwardBusy, forwardNoAnswer: spec.forwardNoAnswer,
                    callWaiting: spec.callWaiting ?? true, voicemail: spec.voicemail ?? false, voicemailPIN: spec.voicemailPIN)
                guard !features.isDefault else { continue }
                do {
                    try store.save(features)
                } catch {
                    throw ScenarioError("lines[\(index)]: \(error)")
                }
            }
            try saveCallFlows(in: store, tenantID: tenantID)
            for (index, did) in (dids ?? []).enumerated() {
                do {
                    try store.save(DID(number: did.number, tenantID: tenantID, extensionNumber: did.line, route: did.route))
                } catch {
                    throw ScenarioError("dids[\(index)]: \(error)")
                }
            }
        } catch let error as ScenarioError {
            throw error
        } catch {
            throw ScenarioError("the scenario's configuration is inconsistent: \(error)")
        }

        let clock = ManualClock(startMillis: try startMillis())
        let simulation = Simulation(
            store: store, clock: clock, configuration: CallEngineConfiguration(trunkRingTimeout: trunkRingTimeout ?? 60), seed: seed)
        simulation.applications = SimulatedApplications(store: store, clock: clock, seed: seed)
        try configure(simulation, tenantID: tenantID)
        var callIndex: [Int: Int] = [:]
        for (index, action) in actions.enumerated() {
            if let dial = action.dial {
                guard let from = action.from else { throw ScenarioError("actions[\(index)]: a call needs \"from\"") }
                callIndex[index] = simulation.callIDs.count
                let keys = (action.keys ?? []).map(\.step)
                if let trunkID = action.trunk {
                    simulation.receiveCall(fromTrunk: trunkID, caller: from, dialled: dial, atSeconds: action.at ?? 0,
                                           hangUpAfter: action.hangupAfter?.delay, cancelAfter: action.cancelAfter?.delay, keys: keys)
                } else {
                    simulation.placeCall(from: from, tenantID: tenantID, dial: dial, atSeconds: action.at ?? 0,
                                         hangUpAfter: action.hangupAfter?.delay, cancelAfter: action.cancelAfter?.delay, keys: keys)
                }
            } else if let call = action.mediaTimeout {
                guard let target = callIndex[call] else {
                    throw ScenarioError("actions[\(index)].mediaTimeout: actions[\(call)] is not an earlier call")
                }
                simulation.inject(.mediaTimeout(simulation.callIDs[target]), atSeconds: action.at ?? 0)
            } else if action.shutdown == true {
                simulation.inject(.shutdown, atSeconds: action.at ?? 0)
            } else {
                throw ScenarioError("actions[\(index)]: say \"dial\" (with \"from\"), \"mediaTimeout\" or \"shutdown\"")
            }
        }
        for (index, expectation) in (expect ?? []).enumerated() where callIndex[expectation.call] == nil {
            throw ScenarioError("expect[\(index)]: call \(expectation.call) is not the index of a call in \"actions\"")
        }

        await simulation.simulate()
        if simulation.engine.activeCallCount > 0 {
            simulation.shutdown()
        }

        var byAction: [Int: CDR] = [:]
        for (action, call) in callIndex {
            byAction[action] = simulation.cdr(forCall: call)
        }
        let visits = (try? store.ivrVisits(tenantID: tenantID, from: nil, to: nil, menu: nil)) ?? []
        let messages = lines.flatMap { (try? store.voicemailMessages(tenantID: tenantID, extensionNumber: $0.extensionNumber)) ?? [] }
        var failures: [String] = []
        for (index, expectation) in (expect ?? []).enumerated() {
            let callID = callIndex[expectation.call].map { simulation.callIDs[$0].rawValue }
            failures += check(expectation, index: index, cdr: byAction[expectation.call])
            failures += checkFlows(expectation, index: index, visit: visits.first { $0.callID == callID }, messages: messages)
        }
        return Outcome(
            name: name ?? "scenario", seed: seed, timeline: simulation.timeline, cdrs: simulation.cdrs,
            failures: failures, expectationCount: expect?.count ?? 0, cdrsByAction: byAction, visits: visits, voicemail: messages)
    }

    private func configure(_ simulation: Simulation, tenantID: String) throws(ScenarioError) {
        let explicitRegistrations = registrations != nil
        do {
            for (index, spec) in lines.enumerated() {
                let context = "lines[\(index)] (\(spec.extensionNumber))"
                let phone = SimulatedPhone(
                    tenantID: tenantID, extensionNumber: spec.extensionNumber, behaviour: try spec.phone.resolved(context),
                    ringDelay: spec.phone.ringDelay?.delay ?? 0)
                if explicitRegistrations {
                    try simulation.add(phone, registers: false)
                } else {
                    try simulation.add(phone)
                }
            }
            for (index, registration) in (registrations ?? []).enumerated() {
                do {
                    try simulation.register(tenantID: tenantID, extensionNumber: registration.line,
                                            seconds: registration.expiresIn ?? 3600)
                } catch {
                    throw ScenarioError("registrations[\(index)]: \(error)")
                }
            }
            if let network {
                if let spec = network.default {
                    simulation.networkBehaviour = try spec.resolved("network.default")
                }
                for (number, spec) in network.numbers ?? [:] {
                    simulation.setBehaviour(try spec.resolved("network.numbers[\(number)]"), forNumber: number)
                }
            }
        } catch let error as ScenarioError {
            throw error
        } catch {
            throw ScenarioError("\(error)")
        }
    }

    private func check(_ expected: Expectation, index: Int, cdr: CDR?) -> [String] {
        let action = actions[expected.call]
        let label = "expect[\(index)]: call \(expected.call) (\(action.from ?? "?") → \(action.dial ?? "?"))"
        guard let cdr else { return ["\(label): no CDR was recorded"] }
        var failures: [String] = []
        func compare(_ what: String, _ actual: String, _ wanted: String?) {
            if let wanted, actual != wanted {
                failures.append("\(label): \(what) is \(actual), expected \(wanted)")
            }
        }
        compare("disposition", cdr.disposition.rawValue, expected.disposition)
        compare("billable seconds", String(cdr.billableSeconds), expected.billable.map(String.init))
        compare("SIP cause", String(cdr.sipCause), expected.cause.map(String.init))
        compare("normalized number", cdr.normalized, expected.normalized)
        compare("number class", cdr.numberClass?.rawValue ?? "none", expected.numberClass)
        compare("direction", cdr.direction.rawValue, expected.direction)
        compare("trunk", cdr.trunkID ?? "none", expected.trunk)
        if let reason = expected.reason, !cdr.reason.contains(reason) {
            failures.append("\(label): reason is \"\(cdr.reason)\", expected it to contain \"\(reason)\"")
        }
        return failures
    }

    /// "lines[2].extension: …" from a decoding error.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return text.isEmpty ? "the scenario" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): required key is missing"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0.localizedDescription))" } ?? ""
            return "\(path(context.codingPath)): \(context.debugDescription)\(underlying)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// Why a scenario cannot run: the message names the key at fault.
public struct ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
