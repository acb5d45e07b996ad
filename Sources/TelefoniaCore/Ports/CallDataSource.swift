/// What the call engine reads to decide: configuration rows, registrations, tariff
/// plans and balances. `SQLStore` and `MemoryStore` implement it; the SIP adapter
/// hands the engine a `CallDataSnapshot` read beforehand off its event loops, so the
/// engine itself never waits on storage (`CallEngine.dataNeeded(for:)`).
public protocol CallDataSource: AnyObject {
    func tenant(id: String) throws -> Tenant?
    func line(tenantID: String, extensionNumber: String) throws -> Line?
    func room(tenantID: String, number: String) throws -> ConferenceRoom?
    /// An IVR menu of the tenant (a DID or `*92` leads to it).
    func ivrMenu(tenantID: String, number: String) throws -> IVRMenu?
    /// What the line's user set (DND, forwarding, call waiting); the defaults when nothing.
    func lineFeatures(tenantID: String, extensionNumber: String) throws -> LineFeatures
    /// The tenant's pickup groups (who may pick up whose calls).
    func pickupGroups(tenantID: String) throws -> [PickupGroup]
    /// A call group of the tenant (a DID leads to it).
    func callGroup(tenantID: String, name: String) throws -> CallGroup?
    /// A queue of the tenant (a DID leads to it).
    func callQueue(tenantID: String, name: String) throws -> CallQueue?
    func did(number: String) throws -> DID?
    /// The tenant's voice portal numbers (a portal or callback DID checks its caller).
    func portalNumbers(tenantID: String) throws -> [PortalNumber]
    func trunk(id: String) throws -> Trunk?
    func trunks() throws -> [Trunk]
    func registrations(tenantID: String, extensionNumber: String) throws -> [Registration]
    /// The id of the tenant's tariff plan; nil when it has none (its calls are not rated).
    func tariffPlanID(tenantID: String) throws -> String?
    /// The tenant's plan with only the rates that can price a call to `e164` (see `TariffStore`).
    func tariffPlan(tenantID: String, ratesFor e164: String?) throws -> TariffPlan?
    /// Current prepaid balance in cents.
    func balanceCents(tenantID: String) throws -> Int64
    /// Holds credit for an answered prepaid call, in one step no other server can come
    /// between: what the tenant's balance has once every *other* call's hold is taken
    /// out, and this call's hold set to as much of `upToCents` as that pays for (until
    /// `seconds` from `now` plus a margin: the hold of a server that died expires). The
    /// call's record ends its hold. See `CreditView`; a store of one server may answer
    /// with the plain balance (`holdsOtherCalls` false) and keep no holds.
    func holdCredit(tenantID: String, callID: String, upToCents: Int64, seconds: Int, now: Int64) throws -> CreditView
    /// What the tenant's calls started since `since` (unix ms) cost, in cents: its
    /// international calls, or (false) its other calls (the daily spend caps, B8).
    func spentCents(tenantID: String, since: Int64, international: Bool) throws -> Int64
}

/// Reads a call decision needs, named so an adapter can fetch them before the event.
public enum CallDataRequest: Sendable, Equatable {
    /// Everything routing this offer reads (lines, DID, room, trunk, registrations, plan, balance).
    case routing(CallOffer)
    /// Credit for a prepaid call (at answer, and when a credit slice runs out): its
    /// hold of up to `upToCents` for `seconds` (`CallDataSource.holdCredit`).
    case credit(tenantID: String, callID: String, upToCents: Int64, seconds: Int, now: Int64)
}

/// What a prepaid call may spend: `availableCents` of its tenant's balance.
/// `holdsOtherCalls`: the other calls' holds (on every server) are already taken out,
/// so the engine must not take out its own calls' reservations again; false from a
/// store that keeps no holds (one server: the engine's reservations are all there is).
public struct CreditView: Sendable, Equatable {
    public var availableCents: Int64
    public var holdsOtherCalls: Bool

    public init(availableCents: Int64, holdsOtherCalls: Bool) {
        self.availableCents = availableCents
        self.holdsOtherCalls = holdsOtherCalls
    }
}
