import TelefoniaCore

/// Drives a `CallEngine` over a `MemoryStore` on a `ManualClock`, playing every
/// party of every call: phones place calls, and the simulation carries out the
/// engine's actions the way the SIP adapter would (a `.dial` makes the target
/// phone ring and react per its behaviour, `.startTimer` schedules `.timerFired`,
/// `.record` stores the CDR). It prints nothing: it returns a timeline.
///
/// Everything happens on the manual clock and draws from a seeded generator, so a
/// run is a pure function of its setup and seed.
public final class Simulation {
    /// One line of the timeline: when (milliseconds since the simulation started) and what.
    public struct Entry: Sendable, Equatable, CustomStringConvertible {
        public var millis: Int64
        public var text: String

        public init(millis: Int64, text: String) {
            self.millis = millis
            self.text = text
        }

        /// "    12.345  call 0: 1001 answers".
        public var description: String {
            let seconds = String(millis / 1000)
            let fraction = String(millis % 1000)
            let time = seconds + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
            return String(repeating: " ", count: max(0, 10 - time.count)) + time + "  " + text
        }
    }

    /// What is waiting on a timer of the clock.
    private enum Pending {
        /// Feed this event to the engine, logging `text` first (nil: log nothing).
        case event(CallEvent, text: String?)
        /// Place the call with this offer.
        case offer(CallOffer)
        /// Write this line in the timeline (what an application's call did meanwhile).
        case note(String)
    }

    /// What the simulation knows of a call beyond the engine's view.
    private struct CallScript {
        var index: Int
        /// Caller as shown in the timeline: an extension or the public caller number.
        var caller: String
        /// Callee as shown in the timeline, once the engine dialled.
        var callee: String
        var calleeBehaviour: SimulatedPhone.Behaviour?
        /// The caller hangs up this long after the call is answered.
        var hangUpAfter: SimulatedPhone.Delay?
        /// The caller cancels this long after placing the call, if still unanswered.
        var cancelAfter: SimulatedPhone.Delay?
        /// What the caller does when an application answers (keys, silence, speech, hang-up).
        var keys: [ScriptedChannel.Caller] = []
        /// Answered by an application the simulation runs (it decides when the call ends).
        var application: String?
    }

    public let store: MemoryStore
    public let clock: ManualClock
    public let engine: CallEngine
    /// Unix milliseconds at which the simulation began; timeline times count from here.
    public let startMillis: Int64
    /// What happened so far, in order.
    public private(set) var timeline: [Entry] = []
    /// CDRs the engine asked to record, in order.
    public private(set) var cdrs: [CDR] = []
    /// Calls in the order they were set up with `placeCall` or `receiveCall`.
    public private(set) var callIDs: [CallID] = []
    /// How a public number answers when `setBehaviour(_:forNumber:)` names nothing for it.
    public var networkBehaviour: SimulatedPhone.Behaviour = .answers(after: 1)

    private var random: SeededRandom
    private var phones: [String: SimulatedPhone] = [:]
    private var numbers: [String: SimulatedPhone.Behaviour] = [:]
    private var scripts: [CallID: CallScript] = [:]
    private var pending: [String: Pending] = [:]
    private var injected = 0
    private var contactCount = 0
    /// Application calls answered and not run yet (`simulate` runs them).
    private var applicationQueue: [CallID] = []

    /// Runs the core's applications (IVRs, groups, voicemail, feature codes) for calls the
    /// engine hands to one; nil: every application answers and the caller hangs up as
    /// scripted. Only `simulate()` runs them (they are async).
    public var applications: SimulatedApplications?

    /// A simulation over `store` (holding tenants, lines, trunks and DIDs) on `clock`.
    public init(store: MemoryStore, clock: ManualClock = ManualClock(), configuration: CallEngineConfiguration = .init(), seed: UInt64 = 0) {
        self.store = store
        self.clock = clock
        self.engine = CallEngine(store: store, clock: clock, configuration: configuration)
        self.startMillis = clock.nowMillis()
        self.random = SeededRandom(seed: seed)
    }

    /// Milliseconds since the simulation began.
    public var elapsedMillis: Int64 { clock.nowMillis() - startMillis }

    // MARK: - Setup

    /// Adds a phone to its line. It registers for `registrationSeconds` when
    /// `registers` says so, by default unless it is `.unregistered`.
    public func add(_ phone: SimulatedPhone, registers: Bool? = nil, registrationSeconds: Int64 = 3600) throws {
        phones[phone.lineID] = phone
        applications?.add(phone)
        if registers ?? phone.registers {
            try register(tenantID: phone.tenantID, extensionNumber: phone.extensionNumber, seconds: registrationSeconds)
        }
    }

    /// Adds a binding for a line as a REGISTER would, expiring `seconds` from now.
    public func register(tenantID: String, extensionNumber: String, seconds: Int64 = 3600) throws {
        contactCount += 1
        let host = "10.0.\(contactCount / 250).\(contactCount % 250 + 1)"
        try store.save(Registration(
            tenantID: tenantID, extensionNumber: extensionNumber, contact: "sip:\(extensionNumber)@\(host):5060",
            source: "udp:\(host):5060", expiresAt: clock.nowMillis() / 1000 + seconds, userAgent: "telefonia-sim",
            callID: "register-\(contactCount)"))
    }

    /// How the public number `e164` (as sent to the trunk) reacts to calls.
    public func setBehaviour(_ behaviour: SimulatedPhone.Behaviour, forNumber e164: String) {
        numbers[e164] = behaviour
    }

    // MARK: - Calls

    /// Has the phone of `extensionNumber` dial `dialled` at `atSeconds` (now when nil).
    /// The caller hangs up `hangUpAfter` after the answer and cancels `cancelAfter`
    /// after dialling if nobody answered. The tenant defaults to the phone's.
    @discardableResult
    public func placeCall(
        from extensionNumber: String, tenantID: String? = nil, dial dialled: String, atSeconds: Double? = nil,
        hangUpAfter: SimulatedPhone.Delay? = nil, cancelAfter: SimulatedPhone.Delay? = nil, keys: [ScriptedChannel.Caller] = []
    ) -> CallID {
        let tenant = tenantID ?? phones.values.filter { $0.extensionNumber == extensionNumber }.map(\.tenantID).min()
            ?? ((try? store.tenants())?.first?.id ?? "")
        return arrange(
            origin: .line(tenantID: tenant, extensionNumber: extensionNumber), caller: extensionNumber,
            dialled: dialled, atSeconds: atSeconds, hangUpAfter: hangUpAfter, cancelAfter: cancelAfter, keys: keys)
    }

    /// Has the carrier of `trunkID` offer a call from `caller` to the public number `dialled`.
    @discardableResult
    public func receiveCall(
        fromTrunk trunkID: String, caller: String, dialled: String, atSeconds: Double? = nil,
        hangUpAfter: SimulatedPhone.Delay? = nil, cancelAfter: SimulatedPhone.Delay? = nil, keys: [ScriptedChannel.Caller] = []
    ) -> CallID {
        arrange(origin: .trunk(trunkID: trunkID), caller: caller, dialled: dialled, atSeconds: atSeconds,
                hangUpAfter: hangUpAfter, cancelAfter: cancelAfter, keys: keys)
    }

    /// Feeds `event` to the engine at `atSeconds` (now when nil), e.g. `.shutdown` or `.mediaTimeout`.
    public func inject(_ event: CallEvent, atSeconds: Double? = nil) {
        injected += 1
        pending["inject/\(injected)"] = .event(event, text: text(of: event))
        clock.schedule(at: instant(atSeconds), id: "inject/\(injected)")
    }

    /// Stops the engine now: every call still up ends with a CDR.
    public func shutdown() {
        feed(.shutdown, text: text(of: .shutdown))
    }

    /// Runs until nothing is scheduled any more or, with `untilSeconds`, until that
    /// time since the start. Returns the whole timeline.
    @discardableResult
    public func run(untilSeconds: Double? = nil) -> [Entry] {
        if let untilSeconds {
            clock.advance(to: instant(untilSeconds)) { fire($0) }
        } else {
            while clock.fireNext({ fire($0) }) != nil {}
        }
        return timeline
    }

    /// Like `run`, running the applications calls reach (`applications`) as they are
    /// answered: each to its end on a clock of its own, its hang-up then scheduled on
    /// the timeline at the time it took.
    @discardableResult
    public func simulate(untilSeconds: Double? = nil) async -> [Entry] {
        let limit = untilSeconds.map { instant($0) }
        while true {
            let fired: String?
            if let limit {
                fired = clock.fireNext(dueBy: limit) { fire($0) }
            } else {
                fired = clock.fireNext { fire($0) }
            }
            while !applicationQueue.isEmpty {
                await runApplication(applicationQueue.removeFirst())
            }
            guard fired != nil else { break }
        }
        if let limit { _ = clock.advance(to: limit) }
        return timeline
    }

    private func runApplication(_ id: CallID) async {
        guard let applications, let script = scripts[id], let name = script.application else { return }
        let talk = script.hangUpAfter?.millis(using: &random) ?? 10_000
        let tenant = engine.liveCalls().first { $0.callID == id.rawValue }?.tenantID ?? ""
        let run = await applications.run(name, callID: id.rawValue, tenantID: tenant, caller: script.caller, script: script.keys,
                                         talkMillis: talk, startMillis: clock.nowMillis())
        for (index, note) in run.notes.enumerated() {
            let key = timerID(id, "note/\(index)")
            pending[key] = .note("call \(self.index(id)): \(note.text)")
            clock.schedule(afterMillis: note.millis, id: key)
        }
        let who = run.endedBy == .a ? script.caller : "the server"
        after(millis: run.millis, id, run.endedBy == .a ? "a/hangup" : "b/hangup", .hungUp(id, side: run.endedBy), "\(who) hangs up")
    }

    /// The CDR of the `index`th call set up, once it ended.
    public func cdr(forCall index: Int) -> CDR? {
        guard callIDs.indices.contains(index) else { return nil }
        let id = callIDs[index].rawValue
        return cdrs.first { $0.id == id }
    }

    // MARK: - Carrying out

    private func arrange(
        origin: CallOrigin, caller: String, dialled: String, atSeconds: Double?,
        hangUpAfter: SimulatedPhone.Delay?, cancelAfter: SimulatedPhone.Delay?, keys: [ScriptedChannel.Caller] = []
    ) -> CallID {
        let index = callIDs.count
        let id = CallID("call-\(index)")
        callIDs.append(id)
        scripts[id] = CallScript(
            index: index, caller: caller, callee: dialled, calleeBehaviour: nil, hangUpAfter: hangUpAfter,
            cancelAfter: cancelAfter, keys: keys)
        let key = timerID(id, "offer")
        pending[key] = .offer(CallOffer(callID: id, origin: origin, caller: caller, dialled: dialled))
        clock.schedule(at: instant(atSeconds), id: key)
        return id
    }

    private func fire(_ key: String) {
        switch pending.removeValue(forKey: key) {
        case .event(let event, let text)?:
            feed(event, text: text)
        case .offer(let offer)?:
            let via: String
            if case .trunk(let trunkID) = offer.origin { via = " via trunk \(trunkID)" } else { via = "" }
            log(offer.callID, "\(offer.caller) calls \(offer.dialled)\(via)")
            if let cancelAfter = scripts[offer.callID]?.cancelAfter {
                after(cancelAfter, offer.callID, "a/cancel", .cancelled(offer.callID), "\(offer.caller) gives up")
            }
            feed(.offered(offer), text: nil)
        case .note(let text)?:
            timeline.append(Entry(millis: elapsedMillis, text: text))
        case nil:
            break
        }
    }

    private func feed(_ event: CallEvent, text: String?) {
        if let text { timeline.append(Entry(millis: elapsedMillis, text: text)) }
        for action in engine.handle(event) {
            carryOut(action)
        }
    }

    private func carryOut(_ action: CallAction) {
        switch action {
        case .reject(let id, let status, let reason):
            cancelScripted(id, side: .a)
            log(id, "\(name(id, .a)) gets \(status) (\(reason))")
        case .dial(let id, let target, let callerID):
            dial(id, target, callerID: callerID)
        case .ring(let id):
            log(id, "\(name(id, .a)) hears ringback")
        case .answer(let id):
            cancelScripted(id, side: .a)
            log(id, "\(name(id, .a)) is connected to \(name(id, .b))")
            if let application = scripts[id]?.application {
                if application.hasPrefix(PickupDialling.applicationPrefix) {
                    pickUp(id, target: CallID(String(application.dropFirst(PickupDialling.applicationPrefix.count))))
                } else {
                    applicationQueue.append(id)
                }
            } else if let delay = scripts[id]?.hangUpAfter {
                after(delay, id, "a/hangup", .hungUp(id, side: .a), "\(name(id, .a)) hangs up")
            }
            if case .answers(_, let hangsUpAfter?)? = scripts[id]?.calleeBehaviour {
                after(hangsUpAfter, id, "b/hangup", .hungUp(id, side: .b), "\(name(id, .b)) hangs up")
            }
        case .cancel(let id):
            cancelScripted(id, side: .b)
            log(id, "CANCEL to \(name(id, .b))")
        case .hangUp(let id, let side):
            cancelScripted(id, side: side)
            log(id, "BYE to \(name(id, side))")
        case .startTimer(let id, let timer, let seconds):
            let key = timerID(id, "timer/\(timer.rawValue)")
            pending[key] = .event(.timerFired(id, timer), text: "call \(index(id)): \(timer.rawValue) timer fires")
            clock.schedule(afterSeconds: seconds, id: key)
        case .cancelTimer(let id, let timer):
            let key = timerID(id, "timer/\(timer.rawValue)")
            pending[key] = nil
            clock.cancel(id: key)
        case .release(let id):
            cancelScripted(id, side: .a)
            cancelScripted(id, side: .b)
        case .startRecording(let id, _, _):
            log(id, "recording starts")
        case .callBack(let order):
            timeline.append(Entry(millis: elapsedMillis, text: "callback to \(order.number) through line \(order.line) (\(order.route))"))
        case .record(let cdr, let debit):
            cdrs.append(cdr)
            let id = CallID(cdr.id)
            var summary = "CDR \(cdr.disposition.rawValue)"
            if cdr.disposition == .answered {
                summary += ", \(cdr.billableSeconds) s billable"
            } else {
                summary += " \(cdr.sipCause)"
            }
            log(id, summary + " (\(cdr.reason))")
            do {
                try store.record(cdr, debit: debit)
            } catch {
                log(id, "the store refused the CDR: \(error)")
            }
        }
    }

    /// The B leg: the target phone (or public number) reacts per its behaviour.
    private func dial(_ id: CallID, _ target: CallTarget, callerID: String) {
        let behaviour: SimulatedPhone.Behaviour
        var ringDelay: SimulatedPhone.Delay = 0
        switch target {
        case .line(let tenantID, let ext, let contacts, _):
            scripts[id]?.callee = ext
            let phone = phones["\(tenantID)/\(ext)"]
            // A binding without a simulated phone behind it answers nothing, like a phone gone off the network.
            behaviour = phone?.behaviour ?? .unregistered
            ringDelay = phone?.ringDelay ?? 0
            let count = contacts.count == 1 ? "1 contact" : "\(contacts.count) contacts"
            log(id, "INVITE to \(ext) (\(count)) from \(callerID)")
        case .trunk(let trunk, let number):
            scripts[id]?.callee = number
            behaviour = numbers[number] ?? networkBehaviour
            log(id, "INVITE to \(number) via trunk \(trunk.id) from \(callerID)")
        case .application(let name):
            // The server answers applications at once; the simulated caller hangs up as
            // scripted, or the application runs (`simulate`) and decides.
            scripts[id]?.callee = name
            if applications?.runs(name) == true || name.hasPrefix(PickupDialling.applicationPrefix) {
                scripts[id]?.application = name
            }
            behaviour = .answers(after: 0, hangsUpAfter: nil)
            log(id, "application \(name) answers for \(callerID)")
        }
        scripts[id]?.calleeBehaviour = behaviour
        let callee = name(id, .b)
        switch behaviour {
        case .answers(let answerAfter, _):
            let ringing = ringDelay.millis(using: &random)
            let answer = answerAfter.millis(using: &random)
            if ringing < answer {
                after(millis: ringing, id, "b/ringing", .ringing(id), "\(callee) rings")
            }
            after(millis: answer, id, "b/answer", .answered(id), "\(callee) answers")
        case .busy:
            after(millis: 0, id, "b/reject", .rejected(id, status: 486), "\(callee) answers 486 Busy Here")
        case .rejects(let status):
            after(millis: 0, id, "b/reject", .rejected(id, status: status), "\(callee) answers \(status)")
        case .neverAnswers:
            after(ringDelay, id, "b/ringing", .ringing(id), "\(callee) rings")
        case .unregistered:
            break
        }
    }

    /// The picker's call (answered) takes the ringing call `target` (L4), as the server's
    /// pickup application does; when the picker hangs up, so does the call it took.
    private func pickUp(_ id: CallID, target: CallID) {
        let picker = name(id, .a)
        after(millis: 0, target, "pickup", .pickedUp(target, by: picker), "\(picker) picks it up")
        if let delay = scripts[id]?.hangUpAfter {
            let millis = delay.millis(using: &random)
            after(millis: millis, id, "a/hangup", .hungUp(id, side: .a), "\(picker) hangs up")
            after(millis: millis, target, "picker/hangup", .hungUp(target, side: .b), "\(picker) hangs up")
        }
    }

    // MARK: - Helpers

    private func after(_ delay: SimulatedPhone.Delay, _ id: CallID, _ what: String, _ event: CallEvent, _ text: String) {
        after(millis: delay.millis(using: &random), id, what, event, text)
    }

    private func after(millis: Int64, _ id: CallID, _ what: String, _ event: CallEvent, _ text: String) {
        let key = timerID(id, what)
        pending[key] = .event(event, text: "call \(index(id)): \(text)")
        clock.schedule(afterMillis: millis, id: key)
    }

    /// Drops what a party of the call was still going to do (its leg is over).
    private func cancelScripted(_ id: CallID, side: LegSide) {
        let names = side == .a ? ["a/cancel", "a/hangup"] : ["b/ringing", "b/answer", "b/reject", "b/hangup"]
        for what in names {
            let key = timerID(id, what)
            if pending.removeValue(forKey: key) != nil {
                clock.cancel(id: key)
            }
        }
    }

    private func timerID(_ id: CallID, _ what: String) -> String { "\(id.rawValue)/\(what)" }

    private func instant(_ seconds: Double?) -> Int64 {
        guard let seconds else { return clock.nowMillis() }
        return max(clock.nowMillis(), startMillis + Int64((seconds * 1000).rounded()))
    }

    private func index(_ id: CallID) -> String {
        scripts[id].map { String($0.index) } ?? id.rawValue
    }

    private func name(_ id: CallID, _ side: LegSide) -> String {
        guard let script = scripts[id] else { return side == .a ? "caller" : "callee" }
        return side == .a ? script.caller : script.callee
    }

    private func log(_ id: CallID, _ text: String) {
        timeline.append(Entry(millis: elapsedMillis, text: "call \(index(id)): \(text)"))
    }

    private func text(of event: CallEvent) -> String {
        switch event {
        case .shutdown: return "shutdown: the host stops"
        case .mediaTimeout(let id): return "call \(index(id)): no media"
        case .hungUp(let id, let side): return "call \(index(id)): \(name(id, side)) hangs up"
        case .cancelled(let id): return "call \(index(id)): \(name(id, .a)) gives up"
        case .answered(let id): return "call \(index(id)): \(name(id, .b)) answers"
        case .pickedUp(let id, let by): return "call \(index(id)): \(by) picks it up"
        case .transferred(let id, let to): return "call \(index(id)): transferred to \(to)"
        case .ringing(let id): return "call \(index(id)): \(name(id, .b)) rings"
        case .rejected(let id, let status): return "call \(index(id)): \(name(id, .b)) answers \(status)"
        case .timerFired(let id, let timer): return "call \(index(id)): \(timer.rawValue) timer fires"
        case .offered(let offer): return "call \(index(offer.callID)): \(offer.caller) calls \(offer.dialled)"
        }
    }
}
