import NIOConcurrencyHelpers

/// The conference rooms that have people in them, by tenant and room number: a
/// bridge is made when the first participant joins and dropped when the last leaves.
/// Joins and leaves go through here so a room never splits in two.
final class ConferenceRooms: @unchecked Sendable {
    private struct Key: Hashable {
        var tenantID: String
        var number: String
    }

    private let lock = NIOLock()
    private var bridges: [Key: ConferenceBridge] = [:]

    init() {}

    /// People in room `number` of `tenantID` now.
    func count(tenantID: String, number: String) -> Int {
        lock.withLock { bridges[Key(tenantID: tenantID, number: number)]?.count ?? 0 }
    }

    /// Rooms with people in them.
    var activeRooms: Int { lock.withLock { bridges.count } }

    /// Joins the room (making its bridge if it is empty); `cue` is played to everyone in it.
    func join(tenantID: String, number: String, cue: [Int16]) -> (bridge: ConferenceBridge, member: ConferenceBridge.MemberID) {
        lock.withLock {
            let key = Key(tenantID: tenantID, number: number)
            let bridge = bridges[key] ?? ConferenceBridge()
            bridges[key] = bridge
            return (bridge, bridge.join(cue: cue))
        }
    }

    /// Leaves the room; `cue` is played to those who stay; the last one out closes it.
    func leave(tenantID: String, number: String, bridge: ConferenceBridge, member: ConferenceBridge.MemberID, cue: [Int16]) {
        lock.withLock {
            let key = Key(tenantID: tenantID, number: number)
            if bridge.leave(member, cue: cue) == 0, bridges[key] === bridge {
                bridges[key] = nil
            }
        }
    }
}
