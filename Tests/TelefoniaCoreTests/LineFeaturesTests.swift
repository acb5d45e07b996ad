import Testing
import TelefoniaCore
import TelefoniaTesting

/// DND, call forwarding and call waiting (T1) in the engine, fed like the SIP adapter
/// feeds it: every read through a prefetched snapshot (so a read the prefetch missed
/// would fail the call).
@Suite struct LineFeaturesTests {
    let clock = ManualClock()
    let store = MemoryStore()
    let engine: CallEngine
    let configuration = CallEngineConfiguration()

    init() throws {
        try store.save(Trunk(id: "carrier", host: "198.51.100.10"))
        try store.save(Tenant(id: "acme", domain: "acme.test", name: "Acme", areaCode: "11", trunkID: "carrier"))
        for ext in ["1000", "1001", "1002"] {
            try store.save(Line(tenantID: "acme", extensionNumber: ext, ha1MD5: "", ha1SHA256: "", callerID: "+5511300010\(ext.suffix(2))"))
            try store.save(Registration(tenantID: "acme", extensionNumber: ext, contact: "sip:\(ext)@10.0.0.1:5060",
                                        source: "udp:10.0.0.1:5060", expiresAt: clock.nowMillis() / 1000 + 3600, callID: "r\(ext)"))
        }
        engine = CallEngine(store: CallDataSnapshot(), clock: clock, configuration: configuration)
    }

    /// Feeds `event` through a prefetch, as `CallEngineDriver` does.
    func feed(_ event: CallEvent) throws -> [CallAction] {
        guard let request = engine.dataNeeded(for: event) else { return engine.handle(event) }
        let snapshot = try CallEngine.prefetch(request, from: store, clock: clock, configuration: configuration)
        return engine.handle(event, using: snapshot)
    }

    func call(_ from: String, _ to: String, id: String = "c1") throws -> [CallAction] {
        try feed(.offered(CallOffer(callID: CallID(id), origin: .line(tenantID: "acme", extensionNumber: from), caller: from, dialled: to)))
    }

    func dialled(_ actions: [CallAction]) -> [String] {
        actions.compactMap { action -> String? in
            guard case .dial(_, let target, let callerID) = action else { return nil }
            switch target {
            case .line(_, let ext, _, _): return "line \(ext) from \(callerID)"
            case .trunk(_, let number): return "trunk \(number) from \(callerID)"
            case .application(let name): return "app \(name)"
            }
        }
    }

    func records(_ actions: [CallAction]) -> [CDR] {
        actions.compactMap { if case .record(let cdr, _) = $0 { cdr } else { nil } }
    }

    @Test func doNotDisturbRefusesBusy() throws {
        try store.save(LineFeatures(tenantID: "acme", extensionNumber: "1001", doNotDisturb: true))
        let actions = try call("1000", "1001")
        #expect(actions.contains(.reject(CallID("c1"), status: 486, reason: "line 1001 is on do not disturb")))
        #expect(records(actions).first?.disposition == .busy)
    }

    /// Forward always: the call rings the forward target, presenting the real caller.
    @Test func forwardAlwaysToAnotherLine() throws {
        try store.save(LineFeatures(tenantID: "acme", extensionNumber: "1001", forwardAlways: "1002"))
        let actions = try call("1000", "1001")
        #expect(dialled(actions) == ["line 1002 from 1000"])
    }

    /// Forward on busy: 1001 answers 486, the call goes on to 1002; the record says so.
    @Test func forwardOnBusy() throws {
        try store.save(LineFeatures(tenantID: "acme", extensionNumber: "1001", forwardBusy: "1002"))
        #expect(dialled(try call("1000", "1001")) == ["line 1001 from 1000"])
        let forwarded = try feed(.rejected(CallID("c1"), status: 486))
        #expect(dialled(forwarded) == ["line 1002 from 1000"])
        #expect(!forwarded.contains { if case .reject = $0 { true } else { false } }, "the caller is not refused")
        _ = try feed(.answered(CallID("c1")))
        let end = try feed(.hungUp(CallID("c1"), side: .a))
        let cdr = try #require(records(end).first)
        #expect(cdr.caller == "1000" && cdr.dialled == "1001" && cdr.normalized == "1002" && cdr.disposition == .answered)
        #expect(cdr.reason.contains("forwarded by 1001 (busy)"))
    }

    /// Forward on no answer: the ring timer ends 1001's ringing and the call goes to a
    /// mobile number as 1001's own call (rated and permitted as a mobile call of 1001).
    @Test func forwardOnNoAnswerToAMobile() throws {
        try store.save(LineFeatures(tenantID: "acme", extensionNumber: "1001", forwardNoAnswer: "11987654321"))
        _ = try call("1000", "1001")
        let forwarded = try feed(.timerFired(CallID("c1"), .ring))
        #expect(forwarded.first == .cancel(CallID("c1")))
        #expect(dialled(forwarded) == ["trunk +5511987654321 from +551130001001"])
        let end = try feed(.rejected(CallID("c1"), status: 486))
        let cdr = try #require(records(end).first)
        #expect(cdr.line == "1001" && cdr.numberClass == .mobileLocal && cdr.caller == "1000")
        #expect(cdr.reason.contains("forwarded by 1001 (no answer)"))
    }

    /// A line without permission for mobiles cannot forward to one: the caller is refused
    /// 403 and the record names the forward.
    @Test func forwardChecksTheForwardingLinesPermissions() throws {
        try store.save(Line(tenantID: "acme", extensionNumber: "1001", ha1MD5: "", ha1SHA256: "", permissions: [.fixed]))
        try store.save(LineFeatures(tenantID: "acme", extensionNumber: "1001", forwardAlways: "11987654321"))
        let actions = try call("1000", "1001")
        #expect(actions.contains { if case .reject(_, 403, _) = $0 { true } else { false } })
        #expect(records(actions).first?.reason.contains("forwarded by 1001") == true)
    }

    /// Forwards that loop end after `maxForwards`.
    @Test func forwardLoopsEnd() throws {
        try store.save(LineFeatures(tenantID: "acme", extensionNumber: "1001", forwardAlways: "1002"))
        try store.save(LineFeatures(tenantID: "acme", extensionNumber: "1002", forwardAlways: "1001"))
        let actions = try call("1000", "1001")
        #expect(actions.contains { if case .reject(_, 482, _) = $0 { true } else { false } })
    }

    /// Without call waiting a line in a call is busy for a second caller.
    @Test func callWaitingOff() throws {
        try store.save(LineFeatures(tenantID: "acme", extensionNumber: "1001", callWaiting: false))
        _ = try call("1000", "1001", id: "c1")
        _ = try feed(.answered(CallID("c1")))
        let second = try call("1002", "1001", id: "c2")
        #expect(second.contains(.reject(CallID("c2"), status: 486, reason: "line 1001 is in a call (call waiting off)")))
        try store.save(LineFeatures(tenantID: "acme", extensionNumber: "1001", callWaiting: true))
        #expect(dialled(try call("1002", "1001", id: "c3")) == ["line 1001 from 1002"])
    }

    /// Feature codes are applications of the caller's own line; the table lists every
    /// code the engine routes.
    @Test func featureCodes() throws {
        #expect(dialled(try call("1000", "*26")) == ["app feature:acme:1000:*26"])
        #expect(FeatureCodes.request(dialled: "*2111987654321") == .forwardAlways("11987654321"))
        #expect(FeatureCodes.request(dialled: "#22") == .forwardBusy(nil))
        #expect(FeatureCodes.request(dialled: "*21") == nil)
        let codes = FeatureCodes.table.map(\.code).joined(separator: " ")
        for code in CallEngineConfiguration().applications.keys { #expect(codes.contains(code), "\(code) is in the table") }
        for prefix in [ConferenceDialling.prefix, IVRDialling.prefix] { #expect(codes.contains(prefix)) }
        let features = FeatureCodes.Request.forwardBusy("1002").applied(to: LineFeatures(tenantID: "acme", extensionNumber: "1000"))
        #expect(features.forwardBusy == "1002")
    }

    /// *8 and **EXT (L4): only lines a pickup group allows; the picked-up call is answered
    /// there (its forks cancelled) and its record says who picked it up.
    @Test func pickup() throws {
        _ = try call("1000", "1001", id: "c1")
        _ = try feed(.ringing(CallID("c1")))
        #expect(try call("1002", "*8", id: "p1").contains(.reject(CallID("p1"), status: 404, reason: "no ringing call to pick up")))
        #expect(try call("1002", "**1001", id: "p2").contains(.reject(CallID("p2"), status: 403, reason: "line 1002 may not pick up line 1001")))
        try store.save(PickupGroup(tenantID: "acme", name: "recepcao", pickers: ["1002"], pickable: ["1001"]))
        #expect(dialled(try call("1002", "*8", id: "p3")) == ["app pickup:c1"])
        #expect(dialled(try call("1002", "**1001", id: "p4")) == ["app pickup:c1"])
        let picked = try feed(.pickedUp(CallID("c1"), by: "1002"))
        #expect(picked.first == .cancel(CallID("c1")))
        #expect(picked.contains(.answer(CallID("c1"))))
        let end = try feed(.hungUp(CallID("c1"), side: .b))
        let cdr = try #require(records(end).first)
        #expect(cdr.disposition == .answered && cdr.reason.contains("picked up by 1002"))
        #expect(try call("1002", "*8", id: "p5").contains(.reject(CallID("p5"), status: 404, reason: "no ringing call to pick up")),
                "an answered call is not picked up")
    }
}
