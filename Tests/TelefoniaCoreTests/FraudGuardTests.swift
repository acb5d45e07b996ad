import MetricsTestKit
import Testing
import TelefoniaCore
import TelefoniaTesting

/// Tenant acme (area 11, postpaid plan: international 2.00/min, mobile 0.35/min, both
/// 60/60) with line 1000 allowed everything, a trunk, on a manual clock, with its
/// metrics in a `TestMetrics`.
private final class FraudFixture {
    let clock = ManualClock()
    let store = MemoryStore()
    let metrics = TestMetrics()
    let engine: CallEngine
    private var next = 0

    /// Every limit off but the ones set here.
    convenience init(only settings: (inout FraudLimits) -> Void) throws {
        var limits = FraudLimits.off
        settings(&limits)
        try self.init(limits: limits)
    }

    init(limits: FraudLimits) throws {
        try store.save(Trunk(id: "carrier", host: "198.51.100.10"))
        try store.save(Tenant(id: "acme", domain: "acme.test", name: "Acme", areaCode: "11", trunkID: "carrier"))
        for ext in ["1000", "1001"] {
            try store.save(Line(tenantID: "acme", extensionNumber: ext, ha1MD5: "", ha1SHA256: "",
                                permissions: [.fixed, .mobile, .longDistance, .international]))
        }
        try store.save(TariffPlan(id: "post", name: "Post", kind: .postpaid, rates: [
            Rate(numberClass: .international, pricePerMinute: 20_000, firstIncrement: 60, nextIncrement: 60),
            Rate(numberClass: .mobileLocal, pricePerMinute: 3_500, firstIncrement: 60, nextIncrement: 60),
        ]))
        try store.assignTariffPlan("post", tenantID: "acme")
        engine = CallEngine(store: store, clock: clock, configuration: CallEngineConfiguration(fraud: limits), metrics: metrics)
    }

    /// `ext` dials `number`; returns the call and the actions (records written to the store).
    func dial(_ number: String, from ext: String = "1000", placedBy: String? = nil) throws -> (CallID, [CallAction]) {
        next += 1
        let id = CallID("c\(next)")
        let actions = engine.handle(.offered(CallOffer(callID: id, origin: .line(tenantID: "acme", extensionNumber: ext), caller: ext,
                                                       dialled: number, placedBy: placedBy)))
        for case .record(let cdr, let debit) in actions { try store.record(cdr, debit: debit) }
        return (id, actions)
    }

    func hangUp(_ id: CallID) throws {
        for case .record(let cdr, let debit) in engine.handle(.hungUp(id, side: .a)) { try store.record(cdr, debit: debit) }
    }

    /// The DENIED record among `actions`, if the call was refused.
    func refusal(_ actions: [CallAction]) -> CDR? {
        actions.compactMap { if case .record(let cdr, _) = $0, cdr.disposition == .denied { cdr } else { nil } }.first
    }

    func trips(_ limit: String) throws -> Int64 {
        try metrics.expectCounter("telefonia.fraud.trips", [("limit", limit)]).totalValue
    }
}

@Suite struct FraudGuardTests {
    /// With 4 public calls up on line 1000 the fifth is refused 403, DENIED naming the limit, counted and logged; after one ends a new one goes through.
    @Test func refusesTheCallOverTheLineConcurrencyLimit() throws {
        let f = try FraudFixture { $0.lineConcurrent = 4 }
        var up: [CallID] = []
        for _ in 0..<4 {
            let (id, actions) = try f.dial("00 1 212 555 0100")
            #expect(f.refusal(actions) == nil)
            up.append(id)
        }
        let (_, fifth) = try f.dial("00 1 212 555 0101")
        let denied = try #require(f.refusal(fifth))
        #expect(denied.reason == "toll-fraud limit: line 1000 has 4 public calls up (limit 4)")
        #expect(denied.sipCause == 403)
        #expect(fifth.contains { if case .reject(_, 403, _) = $0 { true } else { false } })
        #expect(try f.trips("line-concurrent") == 1)
        #expect(f.refusal(try f.dial("98765-4321", from: "1001").1) == nil, "another line is not held back")
        #expect(f.refusal(try f.dial("1001").1) == nil, "internal calls are not limited")
        try f.hangUp(up[0])
        #expect(f.refusal(try f.dial("00 1 212 555 0102").1) == nil, "one ended, so one more may start")
    }

    /// A line may start 10 public calls a minute: the 11th within the minute is refused, and one more is allowed once the minute has passed.
    @Test func refusesTheCallOverTheLineRate() throws {
        let f = try FraudFixture { $0.linePerMinute = 10 }
        for _ in 0..<10 {
            let (id, actions) = try f.dial("98765-4321")
            #expect(f.refusal(actions) == nil)
            try f.hangUp(id)
            f.clock.advance(by: 5)
        }
        let denied = try #require(f.refusal(try f.dial("98765-4321").1))
        #expect(denied.reason == "toll-fraud limit: line 1000 started 10 public calls in the last minute (limit 10)")
        #expect(try f.trips("line-per-minute") == 1)
        f.clock.advance(by: 11)
        #expect(f.refusal(try f.dial("98765-4321").1) == nil)
    }

    /// Calls a campaign places through line 1000 are paced by the campaign, not by the
    /// limits on phones: 20 up at once pass limits of 4 up and 10 a minute, and they do
    /// not use up the line's allowance for the calls its phone places.
    @Test func facilityCallsAreNotHeldBackByThePhoneLimits() throws {
        let f = try FraudFixture { $0.lineConcurrent = 4; $0.linePerMinute = 10; $0.tenantConcurrent = 4 }
        for _ in 0..<20 {
            #expect(f.refusal(try f.dial("98765-4321", placedBy: "campaign cobranca").1) == nil)
        }
        for _ in 0..<4 { #expect(f.refusal(try f.dial("98765-4321").1) == nil) }
        #expect(f.refusal(try f.dial("98765-4321").1) != nil, "the phone's own calls still are")
    }

    /// The tenant-wide limits count every line together.
    @Test func refusesTheCallOverTheTenantLimits() throws {
        let f = try FraudFixture { $0.tenantConcurrent = 3 }
        for ext in ["1000", "1001", "1000"] {
            #expect(f.refusal(try f.dial("98765-4321", from: ext).1) == nil)
        }
        let denied = try #require(f.refusal(try f.dial("98765-4321", from: "1001").1))
        #expect(denied.reason == "toll-fraud limit: the tenant has 3 public calls up (limit 3)")
        #expect(try f.trips("tenant-concurrent") == 1)
    }

    /// International calls that cost R$ 49,00 today leave no room for a call whose first minute costs R$ 2,00 under a R$ 50,00 cap; national calls go on.
    @Test func refusesTheCallOverTheDailyInternationalSpend() throws {
        let f = try FraudFixture { $0.dailyInternationalCents = 5_000; $0.dailyNationalCents = 50_000 }
        let today = f.clock.nowMillis()
        try f.store.append(CDR(id: "earlier", tenantID: "acme", line: "1000", direction: .outbound, caller: "1000",
                               dialled: "0012125550100", normalized: "+12125550100", numberClass: .international,
                               startedAt: today - 60_000, answeredAt: today - 59_000, endedAt: today - 1_000,
                               disposition: .answered, sipCause: 200, reason: "caller hung up", costCents: 4_900))
        let denied = try #require(f.refusal(try f.dial("00 1 212 555 0100").1))
        #expect(denied.reason == "toll-fraud limit: international calls cost 49.00 today (daily cap 50.00)")
        #expect(try f.trips("daily-international") == 1)
        #expect(f.refusal(try f.dial("98765-4321").1) == nil, "national calls have their own cap")
    }

    /// Emergency numbers go through whatever the limits say.
    @Test func neverHoldsBackEmergencyCalls() throws {
        let f = try FraudFixture { $0.lineConcurrent = 1 }
        #expect(f.refusal(try f.dial("98765-4321").1) == nil)
        #expect(f.refusal(try f.dial("98765-4322").1) != nil)
        let (_, emergency) = try f.dial("190")
        #expect(f.refusal(emergency) == nil)
        #expect(emergency.contains { if case .dial(_, .trunk, _) = $0 { true } else { false } })
    }

    /// Three international calls within 10 minutes at 02:00 local from a tenant with none in 30 days go through but are flagged: the third one's record says so and the flag is counted.
    @Test func flagsANightBurstOfInternationalCalls() throws {
        let f = try FraudFixture { $0.nightInternationalBurst = 3 }
        // ManualClock starts at 2025-01-01 12:00 UTC; move to 05:00 UTC = 02:00 in São Paulo.
        f.clock.advance(by: 17 * 3600)
        var ids: [CallID] = []
        for minute in 0..<3 {
            let (id, actions) = try f.dial("00 1 212 555 010\(minute)")
            #expect(f.refusal(actions) == nil, "a flag never refuses")
            ids.append(id)
            f.clock.advance(by: 60)
        }
        for id in ids { try f.hangUp(id) }
        let records = try f.store.cdrs(CDRFilter(tenantID: "acme"))
        #expect(records.filter { $0.reason.contains(FraudLimits.flagMarker) }.map(\.id) == [ids[2].rawValue])
        #expect(try f.metrics.expectCounter("telefonia.fraud.flags", [("flag", "night-international")]).totalValue == 1)
    }

    /// The same calls in the afternoon are not flagged.
    @Test func doesNotFlagDaytimeCalls() throws {
        let f = try FraudFixture { $0.nightInternationalBurst = 3 }
        for minute in 0..<3 {
            let (id, _) = try f.dial("00 1 212 555 010\(minute)")
            try f.hangUp(id)
        }
        #expect(try f.store.cdrs(CDRFilter(tenantID: "acme")).allSatisfy { !$0.reason.contains(FraudLimits.flagMarker) })
    }

    /// The defaults are on: 4 per line, 30 per tenant, 10 and 60 a minute, R$ 50 and R$ 500 a day.
    @Test func defaultsAreOn() {
        let limits = FraudLimits()
        #expect(limits.lineConcurrent == 4 && limits.tenantConcurrent == 30)
        #expect(limits.linePerMinute == 10 && limits.tenantPerMinute == 60)
        #expect(limits.dailyInternationalCents == 5_000 && limits.dailyNationalCents == 50_000)
        #expect(limits.nightInternationalBurst == 3)
    }
}
