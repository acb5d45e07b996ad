import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// Which store a rating check runs on.
typealias RatingStoreKind = StoreKind

let basic = TariffPlan(id: "basic", name: "Básico", kind: .prepaid, rates: [
    Rate(numberClass: .mobileLocal, pricePerMinute: 3500),
    Rate(prefix: "5511", pricePerMinute: 1000, connectionFee: 125, firstIncrement: 60, nextIncrement: 60, minimumSeconds: 30),
    Rate(numberClass: .fixedLocal, prefix: "5521", pricePerMinute: 1),
])

/// The `TariffStore` and `RatingStore` rules, on both stores, so the simulator predicts SQLite.
@Suite struct RatingStoreTests {
    /// Plans round-trip with their rates in order; saving again replaces the rates.
    @Test(arguments: RatingStoreKind.allCases)
    func roundTripsPlans(_ kind: RatingStoreKind) throws {
        try kind.withStore { store throws in
            try store.save(basic)
            let other = TariffPlan(id: "alpha", name: "Alpha", kind: .postpaid)
            try store.save(other)
            #expect(try store.tariffPlan(id: "basic") == basic)
            #expect(try store.tariffPlans() == [other, basic])
            var changed = basic
            changed.kind = .postpaid
            changed.name = "Basic"
            changed.rates = [Rate(numberClass: .international, pricePerMinute: 12000, firstIncrement: 60, nextIncrement: 60)]
            try store.save(changed)
            #expect(try store.tariffPlan(id: "basic") == changed)
            #expect(try store.tariffPlan(id: "none") == nil)
        }
    }

    /// An invalid plan is refused with the rule it breaks, and nothing is saved.
    @Test(arguments: RatingStoreKind.allCases)
    func refusesInvalidPlans(_ kind: RatingStoreKind) throws {
        try kind.withStore { store throws in
            let twice = TariffPlan(id: "p", name: "p", kind: .postpaid, rates: [
                Rate(numberClass: .fixedLocal, pricePerMinute: 1), Rate(numberClass: .fixedLocal, pricePerMinute: 2),
            ])
            #expect(throws: StoreError(.invalid, "plan p has two rates for fixed-local")) { try store.save(twice) }
            #expect(try store.tariffPlans().isEmpty)
        }
    }

    /// Tenants are put on and taken off plans; a plan in use cannot be removed; removing a tenant frees its plan.
    @Test(arguments: RatingStoreKind.allCases)
    func assignsPlansToTenants(_ kind: RatingStoreKind) throws {
        try kind.withStore { store throws in
            try store.save(basic)
            #expect(try store.tariffPlanID(tenantID: "acme") == nil)
            try store.assignTariffPlan("basic", tenantID: "acme")
            try store.assignTariffPlan("basic", tenantID: "beta")
            #expect(try store.tariffPlan(tenantID: "acme") == basic)
            #expect(try store.tenantIDs(onTariffPlan: "basic") == ["acme", "beta"])
            #expect(throws: StoreError(.notFound, "unknown plan gold")) { try store.assignTariffPlan("gold", tenantID: "acme") }
            #expect(throws: StoreError(.notFound, "unknown tenant nobody")) { try store.assignTariffPlan("basic", tenantID: "nobody") }
            #expect(throws: StoreError(.invalid, "plan basic is used by tenant acme, beta")) { try store.removeTariffPlan(id: "basic") }
            try store.assignTariffPlan(nil, tenantID: "beta")
            try store.removeTenant(id: "acme")
            #expect(try store.tenantIDs(onTariffPlan: "basic").isEmpty)
            try store.removeTariffPlan(id: "basic")
            #expect(try store.tariffPlans().isEmpty)
            #expect(throws: StoreError(.notFound, "unknown plan basic")) { try store.removeTariffPlan(id: "basic") }
        }
    }

    /// Per call only the class rates and the rates of the number's prefixes are read, in plan order.
    @Test(arguments: RatingStoreKind.allCases)
    func readsOnlyTheRatesANumberCanUse(_ kind: RatingStoreKind) throws {
        try kind.withStore { store throws in
            try store.save(basic)
            try store.assignTariffPlan("basic", tenantID: "acme")
            let mobile = try #require(try store.tariffPlan(tenantID: "acme", ratesFor: "+5511987654321"))
            #expect(mobile.rates == [basic.rates[0], basic.rates[1]])
            #expect(mobile.id == "basic" && mobile.kind == .prepaid && mobile.name == "Básico")
            #expect(try store.tariffPlan(tenantID: "acme", ratesFor: "+552130001000")?.rates == [basic.rates[0], basic.rates[2]])
            #expect(try store.tariffPlan(tenantID: "acme", ratesFor: nil)?.rates == [basic.rates[0]])
            #expect(try store.tariffPlan(tenantID: "beta", ratesFor: "+5511987654321") == nil)
        }
    }

    /// Each movement changes the balance and is logged with the balance after it, in one step.
    @Test(arguments: RatingStoreKind.allCases)
    func logsEveryCreditMovement(_ kind: RatingStoreKind) throws {
        try kind.withStore { store throws in
            #expect(try store.balanceCents(tenantID: "acme") == 0)
            let recharge = try store.applyCreditMovement(CreditMovement(
                tenantID: "acme", at: Fixtures.base, kind: .recharge, amountCents: 1000, balanceAfterCents: 0, note: "pix"))
            #expect(recharge.balanceAfterCents == 1000 && recharge.id != nil)
            try store.applyCreditMovement(CreditMovement(
                tenantID: "acme", at: Fixtures.base + 2000, kind: .call, amountCents: -98, balanceAfterCents: 0, cdrID: "c1",
                note: "call 1000 → +5511987654321"))
            try store.applyCreditMovement(CreditMovement(
                tenantID: "beta", at: Fixtures.base + 1000, kind: .adjustment, amountCents: 5, balanceAfterCents: 0, note: "gift"))
            #expect(try store.balanceCents(tenantID: "acme") == 902)
            #expect(try store.balanceCents(tenantID: "beta") == 5)
            let log = try store.creditMovements(tenantID: "acme", from: nil, to: nil)
            #expect(log.map(\.kind) == [.recharge, .call])
            #expect(log.map(\.balanceAfterCents) == [1000, 902])
            #expect(log.last?.cdrID == "c1" && log.last?.note == "call 1000 → +5511987654321")
            #expect(try store.creditMovements(tenantID: "acme", from: Fixtures.base + 1, to: nil).map(\.amountCents) == [-98])
            #expect(try store.creditMovements(tenantID: "acme", from: nil, to: Fixtures.base + 2000).map(\.amountCents) == [1000])
        }
    }

    /// Invoices round-trip, are listed by period, and saving again updates them.
    @Test(arguments: RatingStoreKind.allCases)
    func keepsInvoices(_ kind: RatingStoreKind) throws {
        try kind.withStore { store throws in
            let march = Invoice(id: "acme-0002", tenantID: "acme", periodFrom: 200, periodTo: 300, amountCents: 1234, dueAt: 400)
            let february = Invoice(id: "acme-0001", tenantID: "acme", periodFrom: 100, periodTo: 200, amountCents: 99, dueAt: 250)
            try store.save(march)
            try store.save(february)
            try store.save(Invoice(id: "beta-0001", tenantID: "beta", periodFrom: 100, periodTo: 200, amountCents: 1, dueAt: 250))
            #expect(try store.invoices(tenantID: "acme") == [february, march])
            var paid = february
            paid.paidAt = 240
            paid.storedStatus = .paid
            try store.save(paid)
            #expect(try store.invoices(tenantID: "acme") == [paid, march])
            #expect(march.status(at: 399) == .open && march.status(at: 400) == .overdue && paid.status(at: 1000) == .paid)
        }
    }

    /// The engine prices and debits through either store the same way.
    @Test(arguments: RatingStoreKind.allCases)
    func enginePricesThroughTheStore(_ kind: RatingStoreKind) throws {
        try kind.withStore { store throws in
            try store.save(basic)
            try store.assignTariffPlan("basic", tenantID: "acme")
            try store.applyCreditMovement(CreditMovement(tenantID: "acme", at: 0, kind: .recharge, amountCents: 100, balanceAfterCents: 0, note: ""))
            let clock = TestClock()
            let engine = CallEngine(store: store, clock: clock)
            let id = CallID("c1")
            // 3000-1000 is +551130001000: prefix 5511, 0.10/min + 0.0125 a call, 60/60, minimum 30 s.
            // 1.00 pays 540 s (0.9125 → 0.91); 600 s would cost 1.0125 → 1.01.
            _ = engine.handle(.offered(CallOffer(callID: id, origin: .line(tenantID: "acme", extensionNumber: "1001"), caller: "1001", dialled: "3000-1000")))
            // Credit is granted 300 s at a time, then the last 240 s.
            #expect(engine.handle(.answered(id)).last == .startTimer(id, .credit, seconds: 300))
            clock.now += 300_000
            #expect(engine.handle(.timerFired(id, .credit)) == [.startTimer(id, .credit, seconds: 240)])
            clock.now += 240_000
            let actions = engine.handle(.timerFired(id, .credit))
            let cdr = try #require(actions.compactMap { if case .record(let cdr, _) = $0 { cdr } else { nil } }.first)
            // The engine writes nothing: the record and its debit go to the store in one transaction.
            for case .record(let record, let debit) in actions { try store.record(record, debit: debit) }
            #expect(cdr.costCents == 91 && cdr.reason == "credit exhausted")
            #expect(try store.balanceCents(tenantID: "acme") == 9)
            #expect(try store.creditMovements(tenantID: "acme", from: nil, to: nil).last?.cdrID == "c1")
        }
    }

    /// Two processes' worth of connections recharging and debiting at once never lose an update.
    @Test func concurrentMovementsOnOneFileAllCount() throws {
        try withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("shared.sqlite").path
            _ = try SQLStore(path: path)
            let stores = try (0..<4).map { _ in try SQLStore(path: path) }
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 4) { index in
                for step in 0..<50 {
                    do {
                        try stores[index].applyCreditMovement(CreditMovement(
                            tenantID: "acme", at: Int64(step), kind: index % 2 == 0 ? .recharge : .call,
                            amountCents: index % 2 == 0 ? 3 : -1, balanceAfterCents: 0, note: ""))
                    } catch {
                        failures.add("\(error)")
                    }
                }
            }
            #expect(failures.all == [])
            // Two writers add 3 fifty times, two take 1 fifty times.
            #expect(try stores[0].balanceCents(tenantID: "acme") == 200)
            let log = try stores[0].creditMovements(tenantID: "acme", from: nil, to: nil)
            #expect(log.count == 200)
            // Replaying the log in id order gives each row's balance after it.
            var running: Int64 = 0
            for movement in log.sorted(by: { $0.id! < $1.id! }) {
                running += movement.amountCents
                #expect(movement.balanceAfterCents == running)
            }
        }
    }

    /// The rating migrations are named in their own range, after the core ones.
    @Test func namesRatingMigrationsInTheirRange() throws {
        let names = SQLStore.migrationNames
        let rating = ["100-tariff-plans", "101-prepaid-credit", "102-invoices", "103-tariff-rates-by-prefix"]
        let positions = try rating.map { name in try #require(names.firstIndex(of: name)) }
        #expect(positions == positions.sorted())
        #expect(try #require(names.firstIndex(of: "004-cdr-cost")) < positions[0])
    }
}

/// Errors gathered from several threads.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}

/// A wall clock the test moves by hand.
final class TestClock: WallClock, @unchecked Sendable {
    var now: Int64 = 1_740_830_400_000
    func nowMillis() -> Int64 { now }
}
