import Testing
import TelefoniaCore
import TelefoniaTesting

/// Tenant acme (area 11) with lines 1000 and 1001 and a carrier trunk, on a prepaid
/// plan: mobile-local 0.35/min 30/6, fixed-local 0.60/min 30/6, internal calls free,
/// no international rate.
private enum Prepaid {
    static let tenantID = "acme"
    static let plan = TariffPlan(id: "pre", name: "Prepaid", kind: .prepaid, rates: [
        Rate(numberClass: .mobileLocal, pricePerMinute: 3500, firstIncrement: 30, nextIncrement: 6),
        Rate(numberClass: .fixedLocal, pricePerMinute: 6000, firstIncrement: 30, nextIncrement: 6),
    ])

    static func store(balanceCents: Int64, plan: TariffPlan = plan) throws -> MemoryStore {
        let store = try MemoryStore(
            trunks: [Trunk(id: "carrier", host: "198.51.100.10")],
            tenants: [Tenant(id: tenantID, domain: "acme.test", name: "Acme", areaCode: "11", trunkID: "carrier")],
            lines: ["1000", "1001"].map {
                Line(tenantID: tenantID, extensionNumber: $0, ha1MD5: "", ha1SHA256: "", permissions: [.fixed, .mobile, .longDistance, .international])
            })
        try store.save(plan)
        try store.assignTariffPlan(plan.id, tenantID: tenantID)
        if balanceCents != 0 {
            try store.applyCreditMovement(CreditMovement(
                tenantID: tenantID, at: 0, kind: .recharge, amountCents: balanceCents, balanceAfterCents: 0, note: "test"))
        }
        return store
    }

    /// A line of the tenant dials `number` (through the engine directly).
    static func offer(_ engine: CallEngine, _ id: String, from ext: String = "1000", _ number: String) -> [CallAction] {
        engine.handle(.offered(CallOffer(
            callID: CallID(id), origin: .line(tenantID: tenantID, extensionNumber: ext), caller: ext, dialled: number)))
    }
}

private func records(_ actions: [CallAction]) -> [CDR] {
    actions.compactMap { if case .record(let cdr, _) = $0 { cdr } else { nil } }
}

/// Writes the records (with their debits) of `actions` as an adapter does, and returns the actions.
private func written(_ actions: [CallAction], to store: MemoryStore) throws -> [CallAction] {
    for case .record(let cdr, let debit) in actions { try store.record(cdr, debit: debit) }
    return actions
}

private func signalling(_ actions: [CallAction]) -> [CallAction] {
    actions.filter { if case .record = $0 { false } else { true } }
}

@Suite struct PrepaidEngineTests {
    /// R$ 1.00 at 0.35/min 30/6 pays 168 s (0.98; 174 s would cost 1.02): the call is cut
    /// exactly 168 s after the answer, both legs get a BYE, and 0.02 is left.
    @Test func cutsTheCallOnTheExactSecondTheBalanceAllows() throws {
        let store = try Prepaid.store(balanceCents: 100)
        let simulation = Simulation(store: store)
        simulation.placeCall(from: "1000", tenantID: Prepaid.tenantID, dial: "98765-4321", atSeconds: 0, hangUpAfter: 3600)
        simulation.run()

        let cdr = try #require(simulation.cdr(forCall: 0))
        #expect(cdr.disposition == .answered)
        #expect(cdr.reason == "credit exhausted")
        let answeredAt = try #require(cdr.answeredAt)
        #expect(cdr.endedAt - answeredAt == 168_000)
        #expect(cdr.billableSeconds == 168)
        #expect(cdr.costCents == 98)
        #expect(try store.balanceCents(tenantID: Prepaid.tenantID) == 2)
        let lines = simulation.timeline.map(\.text)
        #expect(lines.contains("call 0: credit timer fires"))
        #expect(lines.suffix(2) == ["call 0: BYE to 1000", "call 0: BYE to +5511987654321"])
        let debit = try #require(try store.creditMovements(tenantID: Prepaid.tenantID, from: nil, to: nil).last)
        #expect(debit.kind == .call && debit.amountCents == -98 && debit.balanceAfterCents == 2 && debit.cdrID == cdr.id)
        #expect(debit.note == "call 1000 → +5511987654321")
    }

    /// A balance of whole increments (0.60 at 0.60/min 30/6: 30 s for 0.30, then 0.06 per 6 s)
    /// is spent to zero: the call lasts exactly 60 s.
    @Test func spendsABalanceOfWholeIncrementsToZero() throws {
        let store = try Prepaid.store(balanceCents: 60)
        let simulation = Simulation(store: store)
        simulation.placeCall(from: "1000", tenantID: Prepaid.tenantID, dial: "3000-1000", atSeconds: 0, hangUpAfter: 3600)
        simulation.run()
        let cdr = try #require(simulation.cdr(forCall: 0))
        #expect(cdr.endedAt - cdr.answeredAt! == 60_000)
        #expect(cdr.costCents == 60)
        #expect(try store.balanceCents(tenantID: Prepaid.tenantID) == 0)
    }

    /// A caller who hangs up first pays only the talk time (40 s → 42 s = 0.245 → 0.25), and the
    /// credit timer is cancelled.
    @Test func chargesOnlyTheTalkTimeWhenTheCallerHangsUpFirst() throws {
        let store = try Prepaid.store(balanceCents: 100)
        let clock = ManualClock()
        let engine = CallEngine(store: store, clock: clock)
        _ = Prepaid.offer(engine, "c1", "98765-4321")
        let answered = engine.handle(.answered(CallID("c1")))
        #expect(answered == [.cancelTimer(CallID("c1"), .ring), .answer(CallID("c1")), .startTimer(CallID("c1"), .credit, seconds: 168)])
        clock.advance(by: 40)
        let ended = try written(engine.handle(.hungUp(CallID("c1"), side: .a)), to: store)
        #expect(signalling(ended) == [.cancelTimer(CallID("c1"), .credit), .hangUp(CallID("c1"), side: .b), .release(CallID("c1"))])
        #expect(records(ended).first?.costCents == 25)
        #expect(try store.balanceCents(tenantID: Prepaid.tenantID) == 75)
    }

    /// Without credit for the first increment the call is refused at offer time with
    /// 402 Payment Required, recorded DENIED at no cost, and nothing is debited.
    @Test func refusesACallTheBalanceCannotStart() throws {
        let store = try Prepaid.store(balanceCents: 17)
        let engine = CallEngine(store: store, clock: ManualClock())
        let actions = Prepaid.offer(engine, "c1", "98765-4321")
        let reason = "no credit: balance 0.17, the first 30 s cost 0.18"
        #expect(signalling(actions) == [.reject(CallID("c1"), status: 402, reason: reason)])
        let cdr = try #require(records(actions).first)
        #expect(cdr.disposition == .denied && cdr.sipCause == 402 && cdr.reason == reason && cdr.costCents == 0)
        #expect(try store.balanceCents(tenantID: Prepaid.tenantID) == 17)
        #expect(try store.creditMovements(tenantID: Prepaid.tenantID, from: nil, to: nil).count == 1)
    }

    /// Emergency numbers and free internal calls go through with an empty balance; a class the
    /// plan does not sell is refused 403.
    @Test func letsFreeCallsThroughAndRefusesUnsoldDestinations() throws {
        let store = try Prepaid.store(balanceCents: 0)
        try store.save(Registration(tenantID: Prepaid.tenantID, extensionNumber: "1001", contact: "sip:1001@10.0.0.1",
                                    source: "udp:10.0.0.1:5060", expiresAt: 4_000_000_000, callID: "r"))
        let engine = CallEngine(store: store, clock: ManualClock())
        #expect(Prepaid.offer(engine, "e", "190").contains { if case .dial = $0 { true } else { false } })
        #expect(Prepaid.offer(engine, "i", "1001").contains { if case .dial = $0 { true } else { false } })
        let international = Prepaid.offer(engine, "x", "00 44 20 7946 0000")
        #expect(signalling(international) == [.reject(CallID("x"), status: 403, reason: "plan pre has no rate for international numbers")])
        #expect(records(international).first?.disposition == .denied)
    }

    /// With a 60 s grant the credit timer runs 60, 60 and 48 s: the cut still lands on 168 s.
    @Test func grantsCreditInSlicesAndStillCutsOnTime() throws {
        let store = try Prepaid.store(balanceCents: 100)
        let clock = ManualClock()
        let engine = CallEngine(store: store, clock: clock, prepaidGrantSeconds: 60)
        let id = CallID("c1")
        _ = Prepaid.offer(engine, "c1", "98765-4321")
        #expect(engine.handle(.answered(id)).last == .startTimer(id, .credit, seconds: 60))
        clock.advance(by: 60)
        #expect(engine.handle(.timerFired(id, .credit)) == [.startTimer(id, .credit, seconds: 60)])
        clock.advance(by: 60)
        #expect(engine.handle(.timerFired(id, .credit)) == [.startTimer(id, .credit, seconds: 48)])
        clock.advance(by: 48)
        let cut = try written(engine.handle(.timerFired(id, .credit)), to: store)
        #expect(signalling(cut) == [.hangUp(id, side: .a), .hangUp(id, side: .b), .release(id)])
        #expect(records(cut).first?.billableSeconds == 168)
        #expect(records(cut).first?.costCents == 98)
        #expect(try store.balanceCents(tenantID: Prepaid.tenantID) == 2)
    }

    /// A recharge during a call extends it: 0.50 pays 84 s, but after a 1.00 recharge at 60 s
    /// the call runs to 252 s (1.47 of 1.50).
    @Test func aRechargeDuringTheCallExtendsIt() throws {
        let store = try Prepaid.store(balanceCents: 50)
        let clock = ManualClock()
        let engine = CallEngine(store: store, clock: clock, prepaidGrantSeconds: 60)
        let id = CallID("c1")
        _ = Prepaid.offer(engine, "c1", "98765-4321")
        #expect(engine.handle(.answered(id)).last == .startTimer(id, .credit, seconds: 60))
        clock.advance(by: 60)
        try store.applyCreditMovement(CreditMovement(
            tenantID: Prepaid.tenantID, at: clock.nowMillis(), kind: .recharge, amountCents: 100, balanceAfterCents: 0, note: "top-up"))
        var timers: [Int] = []
        var actions = engine.handle(.timerFired(id, .credit))
        while case .startTimer(_, .credit, let seconds)? = actions.last {
            timers.append(seconds)
            clock.advance(by: seconds)
            actions = try written(engine.handle(.timerFired(id, .credit)), to: store)
        }
        #expect(timers == [60, 60, 60, 12])
        #expect(records(actions).first?.billableSeconds == 252)
        #expect(try store.balanceCents(tenantID: Prepaid.tenantID) == 3)
    }

    /// Two calls share 2.00: the first reserves 300 s (1.75), the second gets what is left
    /// (42 s for 0.25) and is cut then; the first is cut at 300 s; the balance ends at zero.
    @Test func concurrentCallsNeverTakeTheBalanceBelowZero() throws {
        let store = try Prepaid.store(balanceCents: 200)
        let simulation = Simulation(store: store)
        simulation.placeCall(from: "1000", tenantID: Prepaid.tenantID, dial: "98765-4321", atSeconds: 0, hangUpAfter: 3600)
        simulation.placeCall(from: "1001", tenantID: Prepaid.tenantID, dial: "98765-1234", atSeconds: 2, hangUpAfter: 3600)
        simulation.run()
        let first = try #require(simulation.cdr(forCall: 0))
        let second = try #require(simulation.cdr(forCall: 1))
        #expect(second.reason == "credit exhausted" && second.billableSeconds == 42 && second.costCents == 25)
        #expect(first.reason == "credit exhausted" && first.billableSeconds == 300 && first.costCents == 175)
        #expect(try store.balanceCents(tenantID: Prepaid.tenantID) == 0)
        let balances = try store.creditMovements(tenantID: Prepaid.tenantID, from: nil, to: nil).map(\.balanceAfterCents)
        #expect(balances == [200, 175, 0])
    }

    /// A credit timer that fires late (the host was busy) does not cost more than the time granted.
    @Test func neverBillsMoreThanTheGrantedTime() throws {
        let store = try Prepaid.store(balanceCents: 100)
        let clock = ManualClock()
        let engine = CallEngine(store: store, clock: clock)
        let id = CallID("c1")
        _ = Prepaid.offer(engine, "c1", "98765-4321")
        _ = engine.handle(.answered(id))
        clock.advance(by: 171)
        let cut = try written(engine.handle(.timerFired(id, .credit)), to: store)
        #expect(records(cut).first?.billableSeconds == 171)
        #expect(records(cut).first?.costCents == 98)
        #expect(try store.balanceCents(tenantID: Prepaid.tenantID) == 2)
    }

    /// Postpaid calls are priced and touch no balance; inbound calls are free; a tenant without a plan is not rated.
    @Test func pricesPostpaidCallsAndLeavesOthersUnrated() throws {
        var plan = Prepaid.plan
        plan.kind = .postpaid
        let store = try Prepaid.store(balanceCents: 0, plan: plan)
        try store.save(DID(number: "+551130001000", tenantID: Prepaid.tenantID, extensionNumber: "1000"))
        try store.save(Registration(tenantID: Prepaid.tenantID, extensionNumber: "1000", contact: "sip:1000@10.0.0.1",
                                    source: "udp:10.0.0.1:5060", expiresAt: 4_000_000_000, callID: "r"))
        let clock = ManualClock()
        let engine = CallEngine(store: store, clock: clock)
        let out = CallID("out")
        #expect(!Prepaid.offer(engine, "out", "98765-4321").contains(.startTimer(out, .credit, seconds: 168)))
        #expect(engine.handle(.answered(out)) == [.cancelTimer(out, .ring), .answer(out)])
        clock.advance(by: 300)
        #expect(records(engine.handle(.hungUp(out, side: .a))).first?.costCents == 175)
        #expect(try store.balanceCents(tenantID: Prepaid.tenantID) == 0)

        let inbound = CallID("in")
        _ = engine.handle(.offered(CallOffer(callID: inbound, origin: .trunk(trunkID: "carrier"), caller: "+5511987654321", dialled: "+551130001000")))
        _ = engine.handle(.answered(inbound))
        clock.advance(by: 60)
        #expect(records(engine.handle(.hungUp(inbound, side: .a))).first?.costCents == 0)

        try store.assignTariffPlan(nil, tenantID: Prepaid.tenantID)
        _ = Prepaid.offer(engine, "unrated", "98765-4321")
        _ = engine.handle(.answered(CallID("unrated")))
        clock.advance(by: 60)
        #expect(records(engine.handle(.hungUp(CallID("unrated"), side: .a))).first?.costCents == nil)
    }
}
