import Testing
import TelefoniaCore

/// One behaviour every `Store` must have; run against `MemoryStore` and `SQLStore`
/// so the in-memory store used by tests and the simulator predicts the real one.
struct StoreCheck: Sendable, CustomTestStringConvertible {
    var name: String
    var run: @Sendable (any Store) throws -> Void
    var testDescription: String { name }
}

enum StoreContract {
    static let all: [StoreCheck] = [
        StoreCheck(name: "round-trips every entity", run: roundTripsEveryEntity),
        StoreCheck(name: "save replaces by key", run: saveReplacesByKey),
        StoreCheck(name: "tenant A never sees tenant B", run: keepsTenantsApart),
        StoreCheck(name: "CDR filters", run: filtersCDRs),
        StoreCheck(name: "removals cascade but keep CDRs", run: cascadesRemovals),
        StoreCheck(name: "dangling references are refused", run: refusesDanglingReferences),
        StoreCheck(name: "duplicates are refused", run: refusesDuplicates),
        StoreCheck(name: "removing missing or used things is refused", run: refusesBadRemovals),
        StoreCheck(name: "expired registrations are purged", run: purgesExpiredRegistrations),
        StoreCheck(name: "tenant ids that are not path elements are refused", run: refusesPathTenantIDs),
    ]

    /// ".", "..", hidden names, options and paths never become tenants (their ids name folders).
    static func refusesPathTenantIDs(_ store: any Store) throws {
        for id in [".", "..", ".hidden", "-rf", "a/b", "../etc", "", String(repeating: "a", count: 65)] {
            expectStoreError(.invalid) { try store.save(Tenant(id: id, domain: "x\(id.count).example", name: "X")) }
        }
        #expect(try store.tenants().isEmpty)
        try store.save(Tenant(id: "acme.sp-1_2", domain: "acme.example", name: "Acme"))
        #expect(try store.tenant(id: "acme.sp-1_2") != nil)
    }

    static func roundTripsEveryEntity(_ store: any Store) throws {
        try Fixtures.seed(store)
        let registration = Fixtures.registration("acme", "1001", expiresAt: 2_000_000_000)
        var bare = Fixtures.registration("acme", "1002", expiresAt: 2_000_000_001)
        bare.userAgent = nil
        try store.save(registration)
        try store.save(bare)
        let did = DID(number: "+551130001000", tenantID: "acme", extensionNumber: "1001")
        try store.save(did)
        let full = Fixtures.cdr("c1")
        var sparse = Fixtures.cdr("c2", line: nil, direction: .inbound, startedAt: Fixtures.base + 1, answered: false, disposition: .noAnswer)
        sparse.numberClass = nil
        sparse.trunkID = nil
        sparse.reason = ""
        try store.append(full)
        try store.append(sparse)

        #expect(try store.trunks() == [Fixtures.trunk])
        #expect(try store.trunk(id: "carrier1") == Fixtures.trunk)
        #expect(try store.tenants() == [Fixtures.acme, Fixtures.beta])
        #expect(try store.tenant(id: "beta") == Fixtures.beta)
        #expect(try store.tenant(domain: "acme.pbx.example") == Fixtures.acme)
        #expect(try store.tenant(domain: "ACME.PBX.Example") == Fixtures.acme)
        #expect(try store.line(tenantID: "acme", extensionNumber: "1001") == Fixtures.line("acme", "1001", callerID: "+551130001000"))
        #expect(try store.lines(tenantID: "acme") == [Fixtures.line("acme", "1001", callerID: "+551130001000"), Fixtures.line("acme", "1002")])
        #expect(try store.did(number: "+551130001000") == did)
        #expect(try store.dids(tenantID: nil) == [did])
        #expect(try store.registrations(tenantID: "acme") == [registration, bare])
        #expect(try store.registrations(tenantID: "acme", extensionNumber: "1002") == [bare])
        #expect(try store.cdrs(CDRFilter()) == [full, sparse])

        #expect(try store.tenant(id: "nobody") == nil)
        #expect(try store.tenant(domain: "nobody.example") == nil)
        #expect(try store.line(tenantID: "acme", extensionNumber: "9999") == nil)
        #expect(try store.did(number: "+5500") == nil)
        #expect(try store.trunk(id: "none") == nil)
    }

    static func saveReplacesByKey(_ store: any Store) throws {
        try Fixtures.seed(store)
        var tenant = Fixtures.acme
        tenant.name = "Acme Telecom"
        tenant.trunkID = nil
        try store.save(tenant)
        var line = Fixtures.line("acme", "1001")
        line.permissions = []
        line.callerID = nil
        try store.save(line)
        var trunk = Fixtures.trunk
        trunk.username = nil
        trunk.password = nil
        try store.save(trunk)
        var registration = Fixtures.registration("acme", "1001", expiresAt: 100)
        try store.save(registration)
        registration.expiresAt = 200
        registration.source = "tcp:198.51.100.1:5060"
        try store.save(registration)

        #expect(try store.tenants().count == 2)
        #expect(try store.tenant(id: "acme") == tenant)
        #expect(try store.lines(tenantID: "acme").count == 2)
        #expect(try store.line(tenantID: "acme", extensionNumber: "1001") == line)
        #expect(try store.trunks() == [trunk])
        #expect(try store.registrations(tenantID: "acme") == [registration])
    }

    static func keepsTenantsApart(_ store: any Store) throws {
        try Fixtures.seed(store)
        try store.save(DID(number: "+551130001000", tenantID: "acme", extensionNumber: "1001"))
        try store.save(DID(number: "+552130001000", tenantID: "beta", extensionNumber: "1001"))
        try store.save(Fixtures.registration("acme", "1001", expiresAt: 2_000_000_000))
        try store.save(Fixtures.registration("beta", "1001", expiresAt: 2_000_000_000))
        try store.append(Fixtures.cdr("a1", tenant: "acme"))
        try store.append(Fixtures.cdr("b1", tenant: "beta"))
        try store.append(Fixtures.cdr("b2", tenant: "beta", line: "1002"))

        for (mine, theirs) in [("acme", "beta"), ("beta", "acme")] {
            #expect(try store.lines(tenantID: mine).allSatisfy { $0.tenantID == mine })
            #expect(try store.dids(tenantID: mine).map(\.tenantID) == [mine])
            #expect(try store.registrations(tenantID: mine).map(\.tenantID) == [mine])
            #expect(try store.registrations(tenantID: mine, extensionNumber: "1001").map(\.tenantID) == [mine])
            #expect(try store.cdrs(CDRFilter(tenantID: mine)).allSatisfy { $0.tenantID == mine })
            #expect(try store.cdrs(CDRFilter(tenantID: mine, line: "1001")).allSatisfy { $0.tenantID == mine })
            #expect(try store.cdrs(CDRFilter(tenantID: mine, number: "1001")).allSatisfy { $0.tenantID == mine })
            #expect(try store.line(tenantID: mine, extensionNumber: "1001")?.tenantID == mine)
            #expect(try !store.cdrs(CDRFilter(tenantID: theirs)).isEmpty)
        }
        #expect(try store.cdrs(CDRFilter(tenantID: "acme")).map(\.id) == ["a1"])
        #expect(try store.cdrs(CDRFilter(tenantID: "beta")).map(\.id) == ["b1", "b2"])
        #expect(try store.cdrs(CDRFilter(tenantID: "nobody")).isEmpty)
    }

    static func filtersCDRs(_ store: any Store) throws {
        let minute: Int64 = 60_000
        let records = [
            Fixtures.cdr("c05", line: "1002", startedAt: Fixtures.base + 5 * minute, disposition: .busy),
            Fixtures.cdr("c01", startedAt: Fixtures.base + 1 * minute),
            Fixtures.cdr("c03", direction: .internalCall, dialled: "1002", normalized: "1002", startedAt: Fixtures.base + 3 * minute),
            Fixtures.cdr("c02", line: nil, direction: .inbound, caller: "+5511987654321", dialled: "+551130001000",
                         startedAt: Fixtures.base + 2 * minute, answered: false, disposition: .noAnswer),
            Fixtures.cdr("c04", dialled: "0800%123", normalized: "0800%123", startedAt: Fixtures.base + 4 * minute),
            Fixtures.cdr("c00b", startedAt: Fixtures.base),
            Fixtures.cdr("c00a", startedAt: Fixtures.base),
            Fixtures.cdr("x01", tenant: "beta", startedAt: Fixtures.base + 1 * minute),
        ]
        for record in records { try store.append(record) }
        func ids(_ filter: CDRFilter) throws -> [String] { try store.cdrs(filter).map(\.id) }

        // Ordered by start, then id.
        #expect(try ids(CDRFilter(tenantID: "acme")) == ["c00a", "c00b", "c01", "c02", "c03", "c04", "c05"])
        #expect(try ids(CDRFilter()) == ["c00a", "c00b", "c01", "x01", "c02", "c03", "c04", "c05"])
        #expect(try ids(CDRFilter(tenantID: "acme", line: "1002")) == ["c05"])
        // Period: from inclusive, to exclusive.
        #expect(try ids(CDRFilter(tenantID: "acme", from: Fixtures.base + minute, to: Fixtures.base + 3 * minute)) == ["c01", "c02"])
        #expect(try ids(CDRFilter(tenantID: "acme", from: Fixtures.base + 5 * minute)) == ["c05"])
        #expect(try ids(CDRFilter(tenantID: "acme", to: Fixtures.base + minute)) == ["c00a", "c00b"])
        #expect(try ids(CDRFilter(tenantID: "acme", disposition: .noAnswer)) == ["c02"])
        #expect(try ids(CDRFilter(tenantID: "acme", disposition: .busy)) == ["c05"])
        // Reason by substring ('%' is a plain character).
        #expect(try ids(CDRFilter(tenantID: "acme", reason: "try later")) == ["c02", "c05"])
        #expect(try ids(CDRFilter(tenantID: "acme", reason: "%")).isEmpty)
        #expect(try ids(CDRFilter(disposition: .cancelled)).isEmpty)
        #expect(try ids(CDRFilter(tenantID: "acme", direction: .internalCall)) == ["c03"])
        // Number: substring of caller, dialled or normalised; '%' is literal.
        #expect(try ids(CDRFilter(tenantID: "acme", number: "98765")) == ["c02"])
        #expect(try ids(CDRFilter(tenantID: "acme", number: "%")) == ["c04"])
        #expect(try ids(CDRFilter(tenantID: "acme", number: "1002")) == ["c03"])
        #expect(try ids(CDRFilter(tenantID: "acme", number: "+55113000")) == ["c00a", "c00b", "c01", "c02", "c05"])
        #expect(try ids(CDRFilter(tenantID: "acme", number: "")) == ["c00a", "c00b", "c01", "c02", "c03", "c04", "c05"])
        // Limit and offset page through the same order.
        #expect(try ids(CDRFilter(tenantID: "acme", limit: 2)) == ["c00a", "c00b"])
        #expect(try ids(CDRFilter(tenantID: "acme", limit: 2, offset: 2)) == ["c01", "c02"])
        #expect(try ids(CDRFilter(tenantID: "acme", limit: 10, offset: 6)) == ["c05"])
        #expect(try ids(CDRFilter(tenantID: "acme", offset: 5)) == ["c04", "c05"])
        #expect(try ids(CDRFilter(tenantID: "acme", limit: 0)).isEmpty)
        // Everything together.
        let combined = CDRFilter(
            tenantID: "acme", line: "1001", from: Fixtures.base, to: Fixtures.base + 10 * minute,
            disposition: .answered, number: "3000", limit: 2, offset: 1
        )
        #expect(try ids(combined) == ["c00b", "c01"])
    }

    static func cascadesRemovals(_ store: any Store) throws {
        try Fixtures.seed(store)
        try store.save(DID(number: "+551130001000", tenantID: "acme", extensionNumber: "1001"))
        try store.save(DID(number: "+551130001002", tenantID: "acme", extensionNumber: "1002"))
        try store.save(Fixtures.registration("acme", "1001", expiresAt: 2_000_000_000))
        try store.save(Fixtures.registration("acme", "1002", expiresAt: 2_000_000_000))
        try store.append(Fixtures.cdr("a1"))

        try store.removeLine(tenantID: "acme", extensionNumber: "1002")
        #expect(try store.lines(tenantID: "acme").map(\.extensionNumber) == ["1001"])
        #expect(try store.dids(tenantID: "acme").map(\.number) == ["+551130001000"])
        #expect(try store.registrations(tenantID: "acme").map(\.extensionNumber) == ["1001"])

        try store.removeTenant(id: "acme")
        #expect(try store.tenant(id: "acme") == nil)
        #expect(try store.lines(tenantID: "acme").isEmpty)
        #expect(try store.dids(tenantID: nil).isEmpty)
        #expect(try store.registrations(tenantID: nil).isEmpty)
        #expect(try store.cdrs(CDRFilter(tenantID: "acme")).map(\.id) == ["a1"])
        #expect(try store.lines(tenantID: "beta").count == 2)

        try store.save(Fixtures.registration("beta", "1001", expiresAt: 2_000_000_000))
        try store.removeRegistration(tenantID: "beta", extensionNumber: "1001", contact: "sip:1001@10.0.0.5:5060")
        try store.removeRegistration(tenantID: "beta", extensionNumber: "1001", contact: "sip:1001@10.0.0.5:5060")
        try store.save(Fixtures.registration("beta", "1001", contact: "sip:a@1", expiresAt: 2_000_000_000))
        try store.save(Fixtures.registration("beta", "1001", contact: "sip:b@2", expiresAt: 2_000_000_000))
        try store.removeRegistrations(tenantID: "beta", extensionNumber: "1001")
        try store.removeRegistrations(tenantID: "beta", extensionNumber: "1001")
        #expect(try store.registrations(tenantID: nil).isEmpty)

        try store.save(DID(number: "+552130001000", tenantID: "beta", extensionNumber: "1002"))
        try store.removeDID(number: "+552130001000")
        #expect(try store.dids(tenantID: nil).isEmpty)
        try store.removeTrunk(id: "carrier1")
        #expect(try store.trunks().isEmpty)
    }

    static func refusesDanglingReferences(_ store: any Store) throws {
        try Fixtures.seed(store)
        expectStoreError(.notFound) { try store.save(Fixtures.line("nobody", "1001")) }
        expectStoreError(.notFound) { try store.save(DID(number: "+5511", tenantID: "acme", extensionNumber: "9999")) }
        expectStoreError(.notFound) { try store.save(DID(number: "+5511", tenantID: "nobody", extensionNumber: "1001")) }
        expectStoreError(.notFound) { try store.save(Fixtures.registration("acme", "9999", expiresAt: 1)) }
        expectStoreError(.notFound) {
            try store.save(Tenant(id: "gamma", domain: "gamma.example", name: "Gamma", trunkID: "missing"))
        }
        #expect(try store.tenant(id: "gamma") == nil)
        #expect(try store.dids(tenantID: nil).isEmpty)
    }

    static func refusesDuplicates(_ store: any Store) throws {
        try Fixtures.seed(store)
        expectStoreError(.duplicate) {
            try store.save(Tenant(id: "gamma", domain: "ACME.pbx.example", name: "Gamma"))
        }
        try store.append(Fixtures.cdr("c1"))
        expectStoreError(.duplicate) { try store.append(Fixtures.cdr("c1", tenant: "beta")) }
        #expect(try store.cdrs(CDRFilter()).map(\.tenantID) == ["acme"])
        #expect(try store.tenants().map(\.id) == ["acme", "beta"])
    }

    static func refusesBadRemovals(_ store: any Store) throws {
        try Fixtures.seed(store)
        expectStoreError(.invalid) { try store.removeTrunk(id: "carrier1") }
        #expect(try store.trunk(id: "carrier1") != nil)
        expectStoreError(.notFound) { try store.removeTrunk(id: "missing") }
        expectStoreError(.notFound) { try store.removeTenant(id: "missing") }
        expectStoreError(.notFound) { try store.removeLine(tenantID: "acme", extensionNumber: "9999") }
        expectStoreError(.notFound) { try store.removeDID(number: "+5511999") }
    }

    static func purgesExpiredRegistrations(_ store: any Store) throws {
        try Fixtures.seed(store)
        try store.save(Fixtures.registration("acme", "1001", contact: "sip:old@1", expiresAt: 999))
        try store.save(Fixtures.registration("acme", "1001", contact: "sip:edge@2", expiresAt: 1000))
        try store.save(Fixtures.registration("beta", "1002", contact: "sip:old@3", expiresAt: 10))
        try store.save(Fixtures.registration("beta", "1002", contact: "sip:new@4", expiresAt: 5000))

        #expect(try store.purgeExpiredRegistrations(now: 1000) == 2)
        #expect(try store.registrations(tenantID: nil).map(\.contact) == ["sip:edge@2", "sip:new@4"])
        #expect(try store.purgeExpiredRegistrations(now: 1000) == 0)
        #expect(try store.purgeExpiredRegistrations(now: 6000) == 2)
        #expect(try store.registrations(tenantID: nil).isEmpty)
    }
}

/// Expects `body` to throw a `StoreError` with this code and a message.
func expectStoreError(_ code: StoreError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected a \(code) StoreError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a \(code) StoreError, got \(error)", sourceLocation: sourceLocation)
    }
}
