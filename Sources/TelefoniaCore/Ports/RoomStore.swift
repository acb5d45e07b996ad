/// Conference rooms (F6). Implemented by `SQLStore` and `MemoryStore`, with the
/// same rules:
/// - a room number is unique per tenant; a room needs its tenant;
/// - removing a tenant removes its rooms;
/// - lists are in dialling order (`ConferenceRoom.precedes`).
public protocol RoomStore: AnyObject, Sendable {
    /// A tenant's rooms.
    func rooms(tenantID: String) throws -> [ConferenceRoom]
    /// The room a line of `tenantID` reaches by dialling `*91` + `number`, if any.
    func room(tenantID: String, number: String) throws -> ConferenceRoom?
    /// Adds a room; `duplicate` when the tenant has a room of that number, `notFound`
    /// for an unknown tenant, `invalid` for a number that is not 1 to 6 digits.
    func add(_ room: ConferenceRoom) throws
    /// Removes a room and returns it; `notFound` when there is none.
    @discardableResult func removeRoom(tenantID: String, number: String) throws -> ConferenceRoom
}
