import TelefoniaCore

/// Conference rooms, with the same rules as `MemoryStore`.
extension SQLStore: RoomStore {
    private static func room(_ row: SQLRow) -> ConferenceRoom {
        ConferenceRoom(tenantID: row.text(0), number: row.text(1), name: row.text(2))
    }

    public func rooms(tenantID: String) throws -> [ConferenceRoom] {
        try withDatabase {
            try $0.query(
                "SELECT tenant_id, number, name FROM conference_rooms WHERE tenant_id = ? ORDER BY length(number), number",
                tenantID, row: Self.room)
        }
    }

    public func room(tenantID: String, number: String) throws -> ConferenceRoom? {
        try withDatabase {
            try $0.query(
                "SELECT tenant_id, number, name FROM conference_rooms WHERE tenant_id = ? AND number = ?", tenantID, number,
                row: Self.room
            ).first
        }
    }

    public func add(_ room: ConferenceRoom) throws {
        guard ConferenceRoom.isValidNumber(room.number) else {
            throw StoreError(.invalid, "room number '\(room.number)' must be 1 to \(ConferenceRoom.maxNumberLength) digits")
        }
        try write { database in
            if try database.query("SELECT 1 FROM tenants WHERE id = ?", room.tenantID, row: { _ in 1 }).isEmpty {
                throw StoreError(.notFound, "unknown tenant \(room.tenantID)")
            }
            if try !database.query(
                "SELECT 1 FROM conference_rooms WHERE tenant_id = ? AND number = ?", room.tenantID, room.number, row: { _ in 1 }
            ).isEmpty {
                throw StoreError(.duplicate, "tenant \(room.tenantID) already has a room \(room.number)")
            }
            try database.execute(
                "INSERT INTO conference_rooms (tenant_id, number, name) VALUES (?, ?, ?)", room.tenantID, room.number, room.name)
        }
    }

    @discardableResult
    public func removeRoom(tenantID: String, number: String) throws -> ConferenceRoom {
        try write { database in
            guard let room = try database.query(
                "SELECT tenant_id, number, name FROM conference_rooms WHERE tenant_id = ? AND number = ?", tenantID, number,
                row: Self.room
            ).first else {
                throw StoreError(.notFound, "tenant \(tenantID) has no room \(number)")
            }
            try database.execute("DELETE FROM conference_rooms WHERE tenant_id = ? AND number = ?", tenantID, number)
            return room
        }
    }
}
