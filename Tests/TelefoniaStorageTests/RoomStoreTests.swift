import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// Conference rooms (F6) behave the same in both stores.
@Suite struct RoomStoreTests {
    typealias Kind = StoreKind

    private func withStore(_ kind: Kind, _ body: (any PBXStore) throws -> Void) throws {
        try kind.withStore(body)
    }

    /// Rooms are added, found by tenant and number, listed in dialling order and removed.
    @Test(arguments: Kind.allCases)
    func addsListsAndRemovesRooms(_ kind: Kind) throws {
        try withStore(kind) { store in
            for number in ["100", "9", "20", "1000"] {
                try store.add(ConferenceRoom(tenantID: "acme", number: number, name: "Sala \(number) — diretoria"))
            }
            try store.add(ConferenceRoom(tenantID: "beta", number: "100", name: "Beta"))
            #expect(try store.rooms(tenantID: "acme").map(\.number) == ["9", "20", "100", "1000"])
            #expect(try store.room(tenantID: "acme", number: "100") == ConferenceRoom(tenantID: "acme", number: "100", name: "Sala 100 — diretoria"))
            #expect(try store.room(tenantID: "beta", number: "100")?.name == "Beta")
            #expect(try store.room(tenantID: "beta", number: "20") == nil)
            let removed = try store.removeRoom(tenantID: "acme", number: "20")
            #expect(removed.number == "20")
            #expect(try store.rooms(tenantID: "acme").map(\.number) == ["9", "100", "1000"])
            #expect(try store.rooms(tenantID: "beta").map(\.number) == ["100"])
        }
    }

    /// Duplicates, unknown tenants, bad numbers and missing rooms are refused with their codes.
    @Test(arguments: Kind.allCases)
    func refusesMistakes(_ kind: Kind) throws {
        try withStore(kind) { store in
            try store.add(ConferenceRoom(tenantID: "acme", number: "100", name: "Sala"))
            expectStoreError(.duplicate) { try store.add(ConferenceRoom(tenantID: "acme", number: "100", name: "Outra")) }
            expectStoreError(.notFound) { try store.add(ConferenceRoom(tenantID: "nope", number: "100", name: "Sala")) }
            for number in ["", "12a", "1234567", "١٢"] {
                expectStoreError(.invalid) { try store.add(ConferenceRoom(tenantID: "acme", number: number, name: "Sala")) }
            }
            expectStoreError(.notFound) { try store.removeRoom(tenantID: "acme", number: "101") }
            expectStoreError(.notFound) { try store.removeRoom(tenantID: "beta", number: "100") }
        }
    }

    /// Removing a tenant removes its rooms and no one else's.
    @Test(arguments: Kind.allCases)
    func removingATenantRemovesItsRooms(_ kind: Kind) throws {
        try withStore(kind) { store in
            try store.add(ConferenceRoom(tenantID: "acme", number: "100", name: "Sala"))
            try store.add(ConferenceRoom(tenantID: "beta", number: "100", name: "Sala"))
            try store.removeTenant(id: "acme")
            #expect(try store.rooms(tenantID: "acme").isEmpty)
            #expect(try store.rooms(tenantID: "beta").count == 1)
        }
    }

    /// Rooms written by one connection are read by another (the CLI and the server share the file).
    @Test func sqliteRoomsSurviveReopening() throws {
        try withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("rooms.sqlite").path
            let first = try SQLStore(path: path)
            try Fixtures.seed(first)
            try first.add(ConferenceRoom(tenantID: "acme", number: "100", name: "Sala"))
            first.close()
            let second = try SQLStore(path: path)
            #expect(try second.rooms(tenantID: "acme") == [ConferenceRoom(tenantID: "acme", number: "100", name: "Sala")])
            #expect(SQLStore.migrationNames.contains("400-conference-rooms"))
        }
    }
}
