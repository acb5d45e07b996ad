import ArgumentParser
import Foundation
import Logging
import TelefoniaCore
import TelefoniaStorage

/// `telefonia room add|list|remove`: conference rooms (F6).
struct RoomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "room",
        abstract: "Manage conference rooms: lines join room N by dialling *91N.",
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a conference room.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Room number: 1 to 6 digits, dialled after *91.") var number: String
        @Option(help: "Name of the room (default: \"Sala\" and the number).") var name: String?

        func run() throws {
            let store = try global.openRoomStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard ConferenceRoom.isValidNumber(number) else {
                throw CLIError("room number '\(number)' must be 1 to \(ConferenceRoom.maxNumberLength) digits, e.g. 100")
            }
            let label = (name ?? "Sala \(number)").trimmingCharacters(in: .whitespaces)
            guard !label.isEmpty else { throw CLIError("--name must not be empty") }
            if try store.room(tenantID: owner.id, number: number) != nil {
                throw CLIError(
                    "tenant \(owner.id) already has a room \(number); remove it first with `telefonia room remove \(owner.id) \(number)`")
            }
            try store.add(ConferenceRoom(tenantID: owner.id, number: number, name: label))
            print("added room \(number) to tenant \(owner.id); lines dial \(ConferenceDialling.prefix)\(number)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's conference rooms.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String

        func run() throws {
            let store = try global.openRoomStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            var table = TextTable("NUMBER", "NAME", "DIAL")
            for room in try store.rooms(tenantID: owner.id) {
                table.append([room.number, room.name, ConferenceDialling.prefix + room.number])
            }
            table.print()
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a conference room.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Room number.") var number: String

        func run() throws {
            let store = try global.openRoomStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard try store.room(tenantID: owner.id, number: number) != nil else {
                throw CLIError("tenant \(owner.id) has no room \(number); see `telefonia room list \(owner.id)`")
            }
            try store.removeRoom(tenantID: owner.id, number: number)
            print("removed room \(number) of tenant \(owner.id)")
        }
    }
}

extension GlobalOptions {
    /// Opens the database as a store of configuration and conference rooms.
    func openRoomStore() throws -> any Store & RoomStore {
        try SQLStore(url: databasePath, logger: Logger(label: "telefonia.cli"))
    }
}
