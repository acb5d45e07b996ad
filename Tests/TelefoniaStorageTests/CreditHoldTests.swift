import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// Prepaid calls of one tenant on two servers sharing a database: the credit holds
/// keep them, together, within the balance (R5 with several nodes, issue 13).
@Suite struct CreditHoldTests {
    /// The two shared databases: an SQLite file two processes open, and PostgreSQL.
    static var kinds: [StoreKind] { StoreKind.allCases.filter { $0 != .memory } }

    /// Opens two servers' stores on one fresh database of `kind`, seeded with the fixtures.
    static func withTwoServers(_ kind: StoreKind, _ body: (SQLStore, SQLStore) throws -> Void) throws {
        try kind.withDatabaseURL { url in
            let node1 = try SQLStore(url: url)
            let node2 = try SQLStore(url: url)
            defer { node1.close(); node2.close() }
            node1.node = "10.77.0.11:5060"
            node2.node = "10.77.0.12:5060"
            try Fixtures.seed(node1)
            try body(node1, node2)
        }
    }

    /// Runs an event the way the server does: what it reads is prefetched from the store
    /// (the credit hold is taken there), then the engine decides with the snapshot.
    static func drive(_ engine: CallEngine, _ store: SQLStore, _ clock: TestClock, _ event: CallEvent) throws -> [CallAction] {
        guard let request = engine.dataNeeded(for: event) else { return engine.handle(event) }
        let data = try CallEngine.prefetch(request, from: store, clock: clock, configuration: CallEngineConfiguration())
        return engine.handle(event, using: data)
    }

    @Test(arguments: kinds)
    func twoServersNeverSpendMoreThanTheBalance(_ kind: StoreKind) throws {
        try Self.withTwoServers(kind) { node1, node2 in
            try node1.save(basic)
            try node1.assignTariffPlan("basic", tenantID: "acme")
            // 1.00 pays 540 s of one call at 0.10/min + 0.0125 (60/60): two calls at once must share it.
            try node1.applyCreditMovement(CreditMovement(tenantID: "acme", at: 0, kind: .recharge, amountCents: 100, balanceAfterCents: 0, note: ""))
            let clock = TestClock()
            let engines = [CallEngine(store: node1, clock: clock), CallEngine(store: node2, clock: clock)]
            let stores = [node1, node2]
            let ids = [CallID("c1"), CallID("c2")]
            for index in 0..<2 {
                let offer = CallOffer(callID: ids[index], origin: .line(tenantID: "acme", extensionNumber: "1001"), caller: "1001", dialled: "3000-100\(index)")
                _ = try Self.drive(engines[index], stores[index], clock, .offered(offer))
            }
            // c1 (server 1) is granted 300 s and holds their 0.51; c2 (server 2) sees that
            // hold: 0.49 left pay 240 s, not the 300 s a server alone would grant.
            #expect(try Self.drive(engines[0], node1, clock, .answered(ids[0])).last == .startTimer(ids[0], .credit, seconds: 300))
            #expect(try Self.drive(engines[1], node2, clock, .answered(ids[1])).last == .startTimer(ids[1], .credit, seconds: 240))
            #expect(try node1.heldCreditCents(tenantID: "acme", now: clock.now) == 100)

            var records: [CDR] = []
            func settle(_ actions: [CallAction], on store: SQLStore) throws {
                for case .record(let record, let debit) in actions {
                    try store.record(record, debit: debit)
                    records.append(record)
                }
            }
            clock.now += 240_000
            try settle(try Self.drive(engines[1], node2, clock, .timerFired(ids[1], .credit)), on: node2)
            clock.now += 60_000
            try settle(try Self.drive(engines[0], node1, clock, .timerFired(ids[0], .credit)), on: node1)
            #expect(records.map(\.id).sorted() == ["c1", "c2"], "both calls were cut when the credit ran out")
            #expect(records.allSatisfy { $0.reason == "credit exhausted" })
            let spent = records.compactMap(\.costCents).reduce(0, +)
            #expect(spent <= 100)
            #expect(try node2.balanceCents(tenantID: "acme") == 100 - spent)
            #expect(try node2.balanceCents(tenantID: "acme") >= 0)
            #expect(try node1.heldCreditCents(tenantID: "acme", now: clock.now) == 0, "a call's record ends its hold")
        }
    }

    /// A server that starts again frees what its calls held; holds of a server that
    /// never comes back expire.
    @Test(arguments: kinds)
    func holdsOfAStoppedServerAreFreed(_ kind: StoreKind) throws {
        try Self.withTwoServers(kind) { node1, node2 in
            try node1.applyCreditMovement(CreditMovement(tenantID: "acme", at: 0, kind: .recharge, amountCents: 500, balanceAfterCents: 0, note: ""))
            let now: Int64 = 1_000_000
            #expect(try node1.holdCredit(tenantID: "acme", callID: "a", upToCents: 300, seconds: 300, now: now).availableCents == 500)
            #expect(try node2.holdCredit(tenantID: "acme", callID: "b", upToCents: 300, seconds: 300, now: now).availableCents == 200)
            #expect(try node2.heldCreditCents(tenantID: "acme", now: now) == 500)
            #expect(try node2.releaseCreditHolds(node: node1.node) == 1)
            #expect(try node2.heldCreditCents(tenantID: "acme", now: now) == 200)
            // 300 s of talk plus the margin later, b's hold has expired.
            #expect(try node1.heldCreditCents(tenantID: "acme", now: now + 300_000 + 120_001) == 0)
            #expect(try node1.holdCredit(tenantID: "acme", callID: "c", upToCents: 50, seconds: 60, now: now + 500_000).availableCents == 500)
        }
    }
}

/// Job leases: one server at a time runs the campaign dialler and the retention purge.
@Suite struct JobLeaseTests {
    @Test(arguments: StoreKind.allCases)
    func oneServerHoldsAJobUntilItsLeaseRunsOut(_ kind: StoreKind) throws {
        try kind.withStore { store in
            let (a, b) = ("10.77.0.11:5060", "10.77.0.12:5060")
            #expect(try store.acquireLease(job: LeasedJob.campaigns, node: a, now: 0, until: 15_000))
            #expect(try !store.acquireLease(job: LeasedJob.campaigns, node: b, now: 1_000, until: 16_000), "held by a")
            #expect(try store.acquireLease(job: LeasedJob.retention, node: b, now: 1_000, until: 16_000), "another job is free")
            #expect(try store.acquireLease(job: LeasedJob.campaigns, node: a, now: 10_000, until: 25_000), "a renews")
            #expect(try !store.acquireLease(job: LeasedJob.campaigns, node: b, now: 24_999, until: 40_000))
            #expect(try store.acquireLease(job: LeasedJob.campaigns, node: b, now: 25_000, until: 40_000), "a stopped renewing: b takes over")
            #expect(try !store.acquireLease(job: LeasedJob.campaigns, node: a, now: 26_000, until: 41_000))
            try store.releaseLease(job: LeasedJob.campaigns, node: a)
            #expect(try !store.acquireLease(job: LeasedJob.campaigns, node: a, now: 26_000, until: 41_000), "only the holder lets go")
            try store.releaseLease(job: LeasedJob.campaigns, node: b)
            #expect(try store.acquireLease(job: LeasedJob.campaigns, node: a, now: 26_000, until: 41_000))
        }
    }
}
