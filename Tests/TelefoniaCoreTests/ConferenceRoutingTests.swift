import Testing
import TelefoniaCore
import TelefoniaTesting

/// Dialling `*91` and a room number (P5, F6), through the engine and a `MemoryStore`.
@Suite struct ConferenceRoutingTests {
    private let clock = ManualClock()
    private let store = MemoryStore()
    private let engine: CallEngine

    init() throws {
        for (tenant, domain) in [("acme", "acme.test"), ("beta", "beta.test")] {
            try store.save(Tenant(id: tenant, domain: domain, name: tenant, areaCode: "11"))
            try store.save(Line(tenantID: tenant, extensionNumber: "1000", ha1MD5: "", ha1SHA256: ""))
        }
        try store.add(ConferenceRoom(tenantID: "acme", number: "100", name: "Sala"))
        try store.add(ConferenceRoom(tenantID: "beta", number: "200", name: "Outra"))
        engine = CallEngine(store: store, clock: clock)
    }

    private func dial(_ number: String, id: String = "c1", tenant: String = "acme") -> [CallAction] {
        engine.handle(.offered(CallOffer(
            callID: CallID(id), origin: .line(tenantID: tenant, extensionNumber: "1000"), caller: "1000", dialled: number)))
    }

    /// *91100 is answered by the server as the conference application of room 100 of the caller's tenant.
    @Test func joinsARoomOfTheCallersTenant() {
        #expect(dial("*91100") == [.dial(CallID("c1"), .application("conference:acme:100"), callerID: "1000")])
        #expect(engine.activeCallCount == 1)
        _ = engine.handle(.answered(CallID("c1")))
        let actions = engine.handle(.hungUp(CallID("c1"), side: .a))
        let cdr = actions.compactMap { if case .record(let cdr, _) = $0 { cdr } else { nil } }.first
        #expect(cdr?.disposition == .answered)
        #expect(cdr?.dialled == "*91100")
        #expect(cdr?.numberClass == .internalCall)
    }

    /// A room that does not exist (or is another tenant's) is refused with 404 and a FAILED call record.
    @Test func refusesUnknownRoomsWith404AndACDR() {
        for (index, number) in ["*91999", "*91200"].enumerated() {
            let actions = dial(number, id: "c\(index)")
            let cdrs = actions.compactMap { if case .record(let cdr, _) = $0 { cdr } else { nil } }
            #expect(cdrs.count == 1)
            #expect(cdrs.first?.disposition == .failed)
            #expect(cdrs.first?.sipCause == 404)
            #expect(cdrs.first?.reason == "no conference room \(number.dropFirst(3))")
            #expect(actions.contains(.reject(CallID("c\(index)"), status: 404, reason: "no conference room \(number.dropFirst(3))")))
        }
        #expect(engine.activeCallCount == 0)
    }

    /// Separators are ignored like in any dialled number; the other tenant reaches its own room.
    @Test func routesEachTenantToItsOwnRooms() {
        #expect(dial("*91-200", tenant: "beta") == [.dial(CallID("c1"), .application("conference:beta:200"), callerID: "1000")])
    }

    /// Room numbers are read from dialled codes and application names and written back the same.
    @Test func parsesCodesAndApplicationNames() {
        #expect(ConferenceDialling.roomNumber(dialled: "*91100") == "100")
        #expect(ConferenceDialling.roomNumber(dialled: "*91") == nil)
        #expect(ConferenceDialling.roomNumber(dialled: "*91a1") == nil)
        #expect(ConferenceDialling.roomNumber(dialled: "91100") == nil)
        let name = ConferenceDialling.applicationName(tenantID: "acme-sp.1", number: "42")
        #expect(name == "conference:acme-sp.1:42")
        #expect(ConferenceDialling.room(inApplication: name)! == ("acme-sp.1", "42"))
        #expect(ConferenceDialling.room(inApplication: "echo") == nil)
        #expect(ConferenceDialling.room(inApplication: "conference:acme:") == nil)
        #expect(ConferenceDialling.room(inApplication: "conference::100") == nil)
    }
}
