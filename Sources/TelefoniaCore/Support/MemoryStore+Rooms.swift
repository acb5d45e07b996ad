/// `RoomStore` in memory, with the same rules as `SQLStore`.
extension MemoryStore: RoomStore {
    public func rooms(tenantID: String) throws -> [ConferenceRoom] {
        withState { state in (state.rooms[tenantID] ?? [:]).values.sorted(by: ConferenceRoom.precedes) }
    }

    public func room(tenantID: String, number: String) throws -> ConferenceRoom? {
        withState { $0.rooms[tenantID]?[number] }
    }

    public func add(_ room: ConferenceRoom) throws {
        try withState { state in
            guard ConferenceRoom.isValidNumber(room.number) else {
                throw StoreError(.invalid, "room number '\(room.number)' must be 1 to \(ConferenceRoom.maxNumberLength) digits")
            }
            guard state.tenants[room.tenantID] != nil else { throw StoreError(.notFound, "unknown tenant \(room.tenantID)") }
            guard state.rooms[room.tenantID]?[room.number] == nil else {
                throw StoreError(.duplicate, "tenant \(room.tenantID) already has a room \(room.number)")
            }
            state.rooms[room.tenantID, default: [:]][room.number] = room
        }
    }

    @discardableResult
    public func removeRoom(tenantID: String, number: String) throws -> ConferenceRoom {
        try withState { state in
            guard let room = state.rooms[tenantID]?.removeValue(forKey: number) else {
                throw StoreError(.notFound, "tenant \(tenantID) has no room \(number)")
            }
            return room
        }
    }
}
