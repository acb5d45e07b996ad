import Testing
import TelefoniaCore
import TelefoniaTesting

/// Issue 12 in the core: requests and their rules, the DID routes of the voice portal
/// (F3) and callback (K1) as the engine decides them, and the number entry.
@Suite struct FacilityTests {
    private let clock = ManualClock()
    private let store = MemoryStore()
    private let engine: CallEngine
    private let trunk = Trunk(id: "carrier", host: "198.51.100.10")

    init() throws {
        try store.save(trunk)
        for (tenant, domain) in [("acme", "acme.test"), ("beta", "beta.test")] {
            try store.save(Tenant(id: tenant, domain: domain, name: tenant, areaCode: "31", trunkID: "carrier"))
            for ext in ["1000", "1001"] {
                try store.save(Line(tenantID: tenant, extensionNumber: ext, ha1MD5: "", ha1SHA256: ""))
            }
        }
        try store.save(IVRMenu(tenantID: "acme", number: "1", name: "menu"))
        try store.save(PortalNumber(tenantID: "acme", number: "+5531999999999", line: "1001"))
        try store.save(PortalNumber(tenantID: "acme", number: "+5531988887777", line: "1000", enabled: false))
        try store.save(DID(number: "+553133330001", tenantID: "acme", extensionNumber: "1000", route: .portal))
        try store.save(DID(number: "+553133330002", tenantID: "acme", extensionNumber: "1000", route: .callback(.portal)))
        try store.save(DID(number: "+553133330003", tenantID: "acme", extensionNumber: "1000",
                           route: .callback(.ivr("1", line: "1000"))))
        engine = CallEngine(store: store, clock: clock)
    }

    private func call(_ did: String, from caller: String, id: String = "c1") -> [CallAction] {
        let offer = CallOffer(callID: CallID(id), origin: .trunk(trunkID: trunk.id), caller: caller, dialled: did)
        // As the server does it: read first (prefetch), then decide on the snapshot.
        let snapshot = try! CallEngine.prefetch(.routing(offer), from: store, clock: clock, configuration: .init())
        return engine.handle(.offered(offer), using: snapshot)
    }

    private func records(_ actions: [CallAction]) -> [CDR] {
        actions.compactMap { if case .record(let cdr, _) = $0 { cdr } else { nil } }
    }

    /// An authorised caller (in any form the carrier sends it) reaches the portal
    /// application, which dials out through the caller's own line.
    @Test func portalAnswersAuthorisedCallers() {
        for (index, caller) in ["+5531999999999", "5531999999999", "031999999999", "31999999999"].enumerated() {
            let id = "p\(index)"
            #expect(call("+553133330001", from: caller, id: id)
                == [.dial(CallID(id), .application("portal:acme:1001"), callerID: caller)], "caller \(caller)")
        }
    }

    /// Anyone else — an unknown number, a disabled one, another tenant's, no number — is
    /// refused 403 unanswered, with a DENIED record naming why.
    @Test func portalRefusesOthers() {
        for (index, caller) in ["+5531911112222", "+5531988887777", "anonymous"].enumerated() {
            let id = "r\(index)"
            let actions = call("+553133330001", from: caller, id: id)
            let reason = "caller \(caller) is not authorised for the voice portal"
            #expect(actions.contains(.reject(CallID(id), status: 403, reason: reason)))
            #expect(records(actions).map(\.disposition) == [.denied])
            #expect(records(actions).first?.reason == reason)
        }
        #expect(engine.activeCallCount == 0)
    }

    /// K1: the call is refused 486 at once (never answered: no 200, nothing to pay), its
    /// record says so, and the caller is called back through its portal line.
    @Test func callbackRefusesThenOrdersTheCallBack() {
        let actions = call("+553133330002", from: "5531999999999")
        #expect(actions.contains(.reject(CallID("c1"), status: 486, reason: "callback requested")))
        #expect(!actions.contains { if case .dial = $0 { true } else if case .answer = $0 { true } else { false } })
        #expect(actions.last == .callBack(CallbackOrder(tenantID: "acme", number: "+5531999999999", line: "1001", route: .portal,
                                                         did: "+553133330002")))
        let record = records(actions).first
        #expect(record?.disposition == .busy)
        #expect(record?.reason == "callback requested (callback to +5531999999999 through line 1001)")
        #expect(record?.answeredAt == nil)
    }

    /// A callback to the portal serves authorised numbers only; a free callback (IVR,
    /// number) any caller, through the route's line.
    @Test func callbackRoutesDecideWhoIsCalledBack() {
        let refused = call("+553133330002", from: "+5531911112222", id: "x")
        #expect(refused.contains(.reject(CallID("x"), status: 403, reason: "caller +5531911112222 is not authorised for the voice portal")))
        #expect(!refused.contains { if case .callBack = $0 { true } else { false } })
        let free = call("+553133330003", from: "+5531911112222", id: "y")
        #expect(free.last == .callBack(CallbackOrder(tenantID: "acme", number: "+5531911112222", line: "1000",
                                                      route: .ivr("1", line: "1000"), did: "+553133330003")))
    }

    /// Against abuse: a caller gets three callbacks in ten minutes, then is refused
    /// until the window moves on.
    @Test func callbacksAreLimitedPerCaller() {
        for index in 0..<3 {
            #expect(call("+553133330003", from: "+5531977776666", id: "ok\(index)").contains { if case .callBack = $0 { true } else { false } })
        }
        let fourth = call("+553133330003", from: "+5531977776666", id: "no")
        #expect(!fourth.contains { if case .callBack = $0 { true } else { false } })
        #expect(records(fourth).first?.disposition == .denied)
        #expect(records(fourth).first?.reason.hasPrefix("callback: +5531977776666 asked more than 3 times") == true)
        // Another caller is not held back.
        #expect(call("+553133330003", from: "+5531966665555", id: "other").contains { if case .callBack = $0 { true } else { false } })
        _ = clock.advance(by: 601)
        #expect(call("+553133330003", from: "+5531977776666", id: "later").contains { if case .callBack = $0 { true } else { false } })
    }

    /// The routes are written and read back as text (the store's column, the CLI's option).
    @Test func routesRoundTripAsText() {
        let routes: [DIDRoute] = [.portal, .callback(.portal), .callback(.number("01133334444", line: "1000")), .callback(.ivr("1", line: "1001"))]
        for route in routes { #expect(DIDRoute(parsing: route.description) == route, "\(route)") }
        #expect(DIDRoute(parsing: "callback:ivr:1") == nil)
        #expect(DIDRoute(parsing: "callback:number:abc@1000") == nil)
        #expect(DIDRoute(parsing: "callback:") == nil)
        #expect(PortalDialling.portal(inApplication: "portal:acme:1001")! == ("acme", "1001"))
        #expect(PortalDialling.portal(inApplication: "ivr:acme:1") == nil)
    }

    /// What a request must say before it is filed.
    @Test func requestRules() {
        func request(_ kind: FacilityRequest.Kind, _ numbers: [String], target: String? = nil, line: String = "1000") -> FacilityRequest {
            FacilityRequest(tenantID: "acme", kind: kind, line: line, numbers: numbers, target: target, requestedBy: "t", createdAt: 0)
        }
        #expect(request(.click2call, ["1001", "011987654321"]).problem() == nil)
        #expect(request(.click2call, ["1001"]).problem() != nil)
        #expect(request(.click2call, ["1001", "12;drop"]).problem() != nil)
        #expect(request(.disa, ["+5531999999999"]).problem() == nil)
        #expect(request(.disa, ["1001"], line: "not a line").problem() != nil)
        #expect(request(.conference, ["1000", "1001"], target: "100").problem() == nil)
        #expect(request(.conference, ["1000", "1000"], target: "100").problem() != nil)
        #expect(request(.conference, ["1000"]).problem() != nil)
        #expect(request(.conference, (0..<11).map { "10\($0 + 10)" }, target: "100").problem() != nil)
        #expect(request(.test, ["1001"], target: "ivr:1").problem() == nil)
        #expect(request(.test, ["1001"], target: "shell:1").problem() != nil)
        #expect(request(.test, ["+5531999999999"], target: "ivr:1").problem() != nil)
        for text in ["ivr:1", "queue:suporte", "group:vendas", "room:100", "voicemail:1001"] {
            #expect(FacilityTarget(parsing: text)?.description == text)
        }
    }

    /// The store refuses what the rules refuse, another tenant's line, and a second claim.
    @Test func storeFilesAndClaimsOnce() throws {
        let filed = try store.file(FacilityRequest(tenantID: "acme", kind: .disa, line: "1000", numbers: ["1001"], requestedBy: "t", createdAt: 1))
        #expect(filed.state == .pending)
        #expect(try store.pendingFacilityRequests().map(\.id) == [filed.id])
        #expect(try store.claim(facilityRequest: filed.id, node: "n1")?.state == .running)
        #expect(try store.claim(facilityRequest: filed.id, node: "n1") == nil)
        #expect(try store.pendingFacilityRequests().isEmpty)
        #expect(throws: StoreError.self) {
            try store.file(FacilityRequest(tenantID: "acme", kind: .disa, line: "2000", numbers: ["1001"], requestedBy: "t", createdAt: 1))
        }
        #expect(throws: StoreError.self) { try store.save(PortalNumber(tenantID: "beta", number: "+5531999999999", line: "9999")) }
        #expect(try store.portalNumbers(tenantID: "beta").isEmpty)
    }

    /// "Digite o número seguido de sustenido": keys then #; an empty entry hears
    /// "opção inválida" and is asked again; three failures give nothing.
    @Test func numberEntry() async throws {
        let channel = ScriptedChannel(tenantID: "acme", script: [.keys("#"), .keys("031999999999#")])
        #expect(try await NumberEntry().ask(on: channel) == "031999999999")
        #expect(channel.prompts == [Prompts.enterNumberThenPound, Prompts.invalidOption, Prompts.enterNumberThenPound])
        let silent = ScriptedChannel(tenantID: "acme", script: [.silence, .silence, .silence])
        #expect(try await NumberEntry().ask(on: silent) == nil)
    }
}

/// The voice portal as an IVR option: `CallDelivery` hands `.portal` to the host's
/// connector with the caller; without one it fails with why.
@Suite struct PortalOptionTests {
    private struct NoRinger: LineRinger {
        func ring(_ extensions: [String], tenantID: String, caller: String, seconds: Int?, on channel: any CallChannel) async
            -> IVRConnectOutcome { .failed("no lines here") }
    }

    private final class RecordingPortal: PortalConnector, @unchecked Sendable {
        var asked: [(String, String)] = []
        func dialOut(tenantID: String, caller: String, on channel: any CallChannel) async -> IVRConnectOutcome {
            asked.append((tenantID, caller))
            return .answered
        }
    }

    @Test func portalOptionReachesTheConnector() async {
        let portal = RecordingPortal()
        let channel = ScriptedChannel(tenantID: "acme", script: [])
        let with = CallDelivery(groups: { _, _ in nil }, ringer: NoRinger(), portal: portal)
        #expect(await with.connect(.portal, tenantID: "acme", caller: "+5531999999999", on: channel) == .answered)
        #expect(portal.asked.map { "\($0.0) \($0.1)" } == ["acme +5531999999999"])
        let without = CallDelivery(groups: { _, _ in nil }, ringer: NoRinger())
        #expect(await without.connect(.portal, tenantID: "acme", caller: "x", on: channel) == .failed("the voice portal is not available here"))
    }
}
