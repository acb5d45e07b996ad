import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// The PostgreSQL store: the Store contract, migrations, and what several servers on one
/// database rely on (each store here is one server's connection). The other suites run
/// their checks on it through `StoreKind.postgres`.
@Suite(.enabled(if: PostgresServer.url != nil, "needs TELEFONIA_TEST_POSTGRES_URL (scripts/test starts a server)"))
struct PostgresStoreTests {
    @Test(arguments: StoreContract.all)
    func followsTheStoreContract(_ check: StoreCheck) throws {
        try PostgresServer.withSchema { url in
            let store = try SQLStore(url: url)
            defer { store.close() }
            try check.run(store)
        }
    }

    /// Opening again applies nothing twice; several servers starting at once migrate once.
    @Test func migrationsRunOnceEvenWhenServersStartTogether() async throws {
        try await PostgresServer.withSchemaAsync { url in
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let store = try SQLStore(url: url)
                        defer { store.close() }
                        return try store.appliedMigrations().map(\.name)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(applied.count == 4)
            #expect(applied.allSatisfy { $0 == ["000-postgres-compatibility"] + SQLStore.migrationNames })
            let again = try SQLStore(url: url)
            defer { again.close() }
            #expect(try again.appliedMigrations().map(\.name) == applied[0])
        }
    }

    /// Two servers' connections see each other's writes at once; the tenant's domain is
    /// unique whatever its case, as on SQLite.
    @Test func secondServerSeesWrites() throws {
        try PostgresServer.withSchema { url in
            let node1 = try SQLStore(url: url)
            let node2 = try SQLStore(url: url)
            defer { node1.close(); node2.close() }
            try Fixtures.seed(node1)
            try node1.save(Fixtures.registration("acme", "1001", expiresAt: 2_000_000_000))
            #expect(try node2.registrations(tenantID: "acme", extensionNumber: "1001").count == 1)
            #expect(try node2.tenant(domain: "ACME.pbx.example")?.id == "acme")
            #expect(throws: StoreError.self) {
                try node2.save(Tenant(id: "other", domain: "Acme.PBX.example", name: "Other"))
            }
            try node2.append(Fixtures.cdr("c1"))
            #expect(try node1.cdrs(CDRFilter(tenantID: "acme")).map(\.id) == ["c1"])
        }
    }

    /// Balance movements from two servers at once never lose one: each is applied on
    /// the balance the previous one left (the write lock serialises read-then-write).
    @Test func concurrentDebitsFromTwoServersAllCount() async throws {
        try await PostgresServer.withSchemaAsync { url in
            let setup = try SQLStore(url: url)
            defer { setup.close() }
            try Fixtures.seed(setup)
            try setup.applyCreditMovement(CreditMovement(tenantID: "acme", at: 0, kind: .recharge, amountCents: 10_000, balanceAfterCents: 0, note: ""))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for node in 0..<2 {
                    group.addTask {
                        let store = try SQLStore(url: url)
                        defer { store.close() }
                        for index in 0..<50 {
                            try store.applyCreditMovement(CreditMovement(
                                tenantID: "acme", at: Int64(index), kind: .adjustment, amountCents: -7, balanceAfterCents: 0,
                                note: "node \(node) #\(index)"))
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try setup.balanceCents(tenantID: "acme") == 10_000 - 100 * 7)
            let movements = try setup.creditMovements(tenantID: "acme", from: nil, to: nil)
            #expect(movements.count == 101)
            #expect(Set(movements.map(\.balanceAfterCents)).count == 101, "every movement saw the balance the one before left")
        }
    }

    /// A campaign number claimed from two servers at once is dialled by one only.
    @Test func aCampaignNumberIsClaimedByOneServer() async throws {
        try await PostgresServer.withSchemaAsync { url in
            let setup = try SQLStore(url: url)
            defer { setup.close() }
            try Fixtures.seed(setup)
            try setup.save(CampaignStoreTests.campaign)
            let rows = Array(1...40)
            try setup.replaceMailing(tenantID: "acme", campaign: "cobranca", numbers: rows.map { ($0, "1198765\(4000 + $0)") })
            let claims = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        let store = try SQLStore(url: url)
                        defer { store.close() }
                        return try rows.compactMap { try store.claim(tenantID: "acme", campaign: "cobranca", row: $0)?.row }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claims.sorted() == rows, "each number claimed exactly once")
        }
    }

    /// A server that cannot be reached is a clear error, not a hang or a crash.
    @Test func unreachableServerIsAClearError() {
        #expect(throws: StoreError.self) { try SQLStore(url: "postgres://telefonia@127.0.0.1:1/telefonia?connect_timeout=2") }
        do {
            _ = try SQLStore(url: "postgres://telefonia:s3cret@127.0.0.1:1/telefonia?connect_timeout=2")
        } catch {
            #expect(!"\(error)".contains("s3cret"), "the password never reaches a message")
        }
    }
}

/// Under CI the PostgreSQL server must be there: its cases are not silently left out.
@Suite struct PostgresServerPresence {
    @Test func serverIsThereUnderCI() {
        if ProcessInfo.processInfo.environment["CI"] != nil {
            #expect(PostgresServer.url != nil, "CI runs the PostgreSQL store tests: scripts/test sets TELEFONIA_TEST_POSTGRES_URL")
        }
    }
}
