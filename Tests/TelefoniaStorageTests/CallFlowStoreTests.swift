import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// Time profiles and IVR menus behave the same in both stores.
@Suite struct CallFlowStoreTests {
    typealias Kind = StoreKind

    private func withStore(_ kind: Kind, _ body: (any PBXStore) throws -> Void) throws {
        try kind.withStore(body)
    }

    static let profile = TimeProfile(
        tenantID: "acme", name: "comercial", week: [.mon: OpenInterval.parseDay("08:00-12:00,13:00-18:00")!],
        holidays: [Holiday(parsing: "2026-12-24=08:00-12:00")!])
    static let menu = IVRMenu(
        tenantID: "acme", number: "1", name: "Recepção", greeting: "bem-vindo", timeProfile: "comercial",
        afterHoursAudio: "fora", afterHours: .voicemail("1001"), options: [.k1: .line("1001"), .timeout: .hangUp],
        directDial: true, survey: true)

    @Test(arguments: Kind.allCases)
    func savesListsReplacesAndRemoves(_ kind: Kind) throws {
        try withStore(kind) { store in
            try store.save(Self.profile)
            try store.save(Self.menu)
            try store.save(IVRMenu(tenantID: "acme", number: "10", name: "Vendas", options: [.star: .menu("1")]))
            try store.save(IVRMenu(tenantID: "acme", number: "2", name: "Suporte"))
            #expect(try store.timeProfile(tenantID: "acme", name: "comercial") == Self.profile)
            #expect(try store.ivrMenu(tenantID: "acme", number: "1") == Self.menu)
            #expect(try store.ivrMenus(tenantID: "acme").map(\.number) == ["1", "2", "10"])
            var changed = Self.menu
            changed.options[.k2] = .menu("2")
            try store.save(changed)
            #expect(try store.ivrMenu(tenantID: "acme", number: "1") == changed)
            #expect(try store.removeIVRMenu(tenantID: "acme", number: "10").name == "Vendas")
            #expect(try store.ivrMenus(tenantID: "acme").map(\.number) == ["1", "2"])
            // Tenants never see each other's flows.
            #expect(try store.ivrMenus(tenantID: "beta").isEmpty)
            #expect(try store.timeProfiles(tenantID: "beta").isEmpty)
            #expect(try store.ivrMenu(tenantID: "beta", number: "1") == nil)
        }
    }

    @Test(arguments: Kind.allCases)
    func refusesWhatWouldDangle(_ kind: Kind) throws {
        try withStore(kind) { store in
            try store.save(Self.profile)
            try store.save(Self.menu)
            try store.save(IVRMenu(tenantID: "acme", number: "2", name: "Suporte", options: [.star: .menu("1")]))
            expectStoreError(.invalid) { try store.removeIVRMenu(tenantID: "acme", number: "1") }
            expectStoreError(.invalid) { try store.removeTimeProfile(tenantID: "acme", name: "comercial") }
            expectStoreError(.invalid) { try store.removeLine(tenantID: "acme", extensionNumber: "1001") }
            expectStoreError(.notFound) { try store.removeIVRMenu(tenantID: "acme", number: "9") }
            expectStoreError(.notFound) { try store.removeTimeProfile(tenantID: "acme", name: "x") }
            expectStoreError(.notFound) { try store.save(IVRMenu(tenantID: "nobody", number: "1", name: "x")) }
            // Beta cannot point at acme's menu or profile.
            expectStoreError(.invalid) { try store.save(IVRMenu(tenantID: "beta", number: "1", name: "x", options: [.k1: .menu("2")])) }
            expectStoreError(.invalid) { try store.save(IVRMenu(tenantID: "beta", number: "1", name: "x", timeProfile: "comercial")) }
            var bad = Self.profile
            bad.week[.tue] = [OpenInterval(start: 600, end: 500)]
            expectStoreError(.invalid) { try store.save(bad) }
            #expect(try store.timeProfile(tenantID: "acme", name: "comercial") == Self.profile, "nothing half-written")
            // Once nothing uses them they go.
            try store.removeIVRMenu(tenantID: "acme", number: "2")
            try store.removeIVRMenu(tenantID: "acme", number: "1")
            try store.removeTimeProfile(tenantID: "acme", name: "comercial")
            try store.removeLine(tenantID: "acme", extensionNumber: "1001")
        }
    }

    @Test(arguments: Kind.allCases)
    func removingATenantRemovesItsFlows(_ kind: Kind) throws {
        try withStore(kind) { store in
            try store.save(Self.profile)
            try store.save(Self.menu)
            try store.removeTenant(id: "acme")
            #expect(try store.ivrMenus(tenantID: "acme").isEmpty)
            #expect(try store.timeProfiles(tenantID: "acme").isEmpty)
        }
    }

    /// Voicemail rows: new first, kept as old, removed one by one or by age (retention).
    @Test(arguments: Kind.allCases)
    func voicemailRows(_ kind: Kind) throws {
        try withStore(kind) { store in
            for (id, at) in [("a", 100), ("b", 200), ("c", 300)] {
                try store.save(VoicemailMessage(id: id, tenantID: "acme", extensionNumber: "1001", caller: "1000",
                                                receivedAt: Int64(at), seconds: 2))
            }
            var heard = try #require(try store.voicemailMessages(tenantID: "acme", extensionNumber: "1001").first)
            heard.isNew = false
            try store.save(heard)
            #expect(try store.voicemailMessages(tenantID: "acme", extensionNumber: "1001").map(\.id) == ["b", "c", "a"])
            #expect(try store.voicemailMessages(tenantID: "beta", extensionNumber: "1001").isEmpty)
            #expect(try store.removeVoicemailMessages(receivedBefore: 250).map(\.id) == ["a", "b"])
            try store.removeVoicemailMessage(id: "c")
            expectStoreError(.notFound) { try store.removeVoicemailMessage(id: "c") }
            expectStoreError(.notFound) {
                try store.save(VoicemailMessage(id: "d", tenantID: "acme", extensionNumber: "9999", caller: "1", receivedAt: 1, seconds: 1))
            }
        }
    }

    @Test func sqliteFlowsSurviveReopening() throws {
        try withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("flows.sqlite").path
            let first = try SQLStore(path: path)
            try Fixtures.seed(first)
            try first.save(Self.profile)
            try first.save(Self.menu)
            first.close()
            let second = try SQLStore(path: path)
            #expect(try second.timeProfiles(tenantID: "acme") == [Self.profile])
            #expect(try second.ivrMenus(tenantID: "acme") == [Self.menu])
        }
    }
}
