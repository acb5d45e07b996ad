/// The answers to the reads of one call decision, kept in memory.
///
/// Made by `CallEngine.prefetch(_:from:)`, on any thread, with the real store: the
/// routing of an offer is run once against the store in a scratch engine and every
/// answer is kept (`recording`). Then the owning engine decides with the snapshot
/// (`handle(_:using:)`) on its event loop, reading the same keys and getting the same
/// answers without touching storage. A read the snapshot does not hold throws, so a
/// missing prefetch fails loudly (the call is refused 500) instead of blocking.
public final class CallDataSnapshot: CallDataSource, @unchecked Sendable {
    /// Where unanswered reads go while recording; nil once frozen (or never set).
    private var source: (any CallDataSource)?
    private var tenants: [String: Tenant?] = [:]
    private var lines: [String: Line?] = [:]
    private var rooms: [String: ConferenceRoom?] = [:]
    private var menus: [String: IVRMenu?] = [:]
    private var groups: [String: CallGroup?] = [:]
    private var queues: [String: CallQueue?] = [:]
    private var features: [String: LineFeatures] = [:]
    private var pickups: [String: [PickupGroup]] = [:]
    private var dids: [String: DID?] = [:]
    private var portals: [String: [PortalNumber]] = [:]
    private var trunksByID: [String: Trunk?] = [:]
    private var allTrunks: [String: [Trunk]] = [:]
    private var bindings: [String: [Registration]] = [:]
    private var planIDs: [String: String?] = [:]
    private var plans: [String: TariffPlan?] = [:]
    private var balances: [String: Int64] = [:]
    private var spends: [String: Int64] = [:]
    private var credits: [String: CreditView] = [:]

    /// An empty snapshot: every read throws until answers are recorded.
    public init() { source = nil }

    /// Records the answers of `source` as they are read.
    public init(recording source: any CallDataSource) { self.source = source }

    /// A snapshot holding only a call's credit (for `.credit` requests).
    public convenience init(credit: CreditView, callID: String) {
        self.init()
        credits[callID] = credit
    }

    /// Stops recording: from now on only the answers kept are given (what the owning
    /// engine reads), and a read that was not made while recording throws.
    public func frozen() -> CallDataSnapshot {
        source = nil
        return self
    }

    private func answer<Value>(_ table: inout [String: Value], _ key: String, _ read: (any CallDataSource) throws -> Value) throws -> Value {
        if let value = table[key] { return value }
        guard let source else { throw StoreError(.io, "call data not prefetched: \(key)") }
        let value = try read(source)
        table[key] = value
        return value
    }

    public func tenant(id: String) throws -> Tenant? {
        try answer(&tenants, id) { try $0.tenant(id: id) }
    }

    public func line(tenantID: String, extensionNumber: String) throws -> Line? {
        try answer(&lines, tenantID + "|" + extensionNumber) { try $0.line(tenantID: tenantID, extensionNumber: extensionNumber) }
    }

    public func room(tenantID: String, number: String) throws -> ConferenceRoom? {
        try answer(&rooms, tenantID + "|" + number) { try $0.room(tenantID: tenantID, number: number) }
    }

    public func ivrMenu(tenantID: String, number: String) throws -> IVRMenu? {
        try answer(&menus, tenantID + "|" + number) { try $0.ivrMenu(tenantID: tenantID, number: number) }
    }

    public func lineFeatures(tenantID: String, extensionNumber: String) throws -> LineFeatures {
        try answer(&features, tenantID + "|" + extensionNumber) { try $0.lineFeatures(tenantID: tenantID, extensionNumber: extensionNumber) }
    }

    public func pickupGroups(tenantID: String) throws -> [PickupGroup] {
        try answer(&pickups, tenantID) { try $0.pickupGroups(tenantID: tenantID) }
    }

    public func callGroup(tenantID: String, name: String) throws -> CallGroup? {
        try answer(&groups, tenantID + "|" + name) { try $0.callGroup(tenantID: tenantID, name: name) }
    }

    public func callQueue(tenantID: String, name: String) throws -> CallQueue? {
        try answer(&queues, tenantID + "|" + name) { try $0.callQueue(tenantID: tenantID, name: name) }
    }

    public func did(number: String) throws -> DID? {
        try answer(&dids, number) { try $0.did(number: number) }
    }

    public func portalNumbers(tenantID: String) throws -> [PortalNumber] {
        try answer(&portals, tenantID) { try $0.portalNumbers(tenantID: tenantID) }
    }

    public func trunk(id: String) throws -> Trunk? {
        try answer(&trunksByID, id) { try $0.trunk(id: id) }
    }

    public func trunks() throws -> [Trunk] {
        try answer(&allTrunks, "trunks") { try $0.trunks() }
    }

    public func registrations(tenantID: String, extensionNumber: String) throws -> [Registration] {
        try answer(&bindings, tenantID + "|" + extensionNumber) { try $0.registrations(tenantID: tenantID, extensionNumber: extensionNumber) }
    }

    public func tariffPlanID(tenantID: String) throws -> String? {
        try answer(&planIDs, tenantID) { try $0.tariffPlanID(tenantID: tenantID) }
    }

    public func tariffPlan(tenantID: String, ratesFor e164: String?) throws -> TariffPlan? {
        try answer(&plans, tenantID + "|" + (e164 ?? "")) { try $0.tariffPlan(tenantID: tenantID, ratesFor: e164) }
    }

    public func spentCents(tenantID: String, since: Int64, international: Bool) throws -> Int64 {
        try answer(&spends, "\(tenantID)|\(since)|\(international)") {
            try $0.spentCents(tenantID: tenantID, since: since, international: international)
        }
    }

    public func balanceCents(tenantID: String) throws -> Int64 {
        try answer(&balances, tenantID) { try $0.balanceCents(tenantID: tenantID) }
    }

    /// The hold made while prefetching (keyed by call: one hold per decision).
    public func holdCredit(tenantID: String, callID: String, upToCents: Int64, seconds: Int, now: Int64) throws -> CreditView {
        try answer(&credits, callID) { try $0.holdCredit(tenantID: tenantID, callID: callID, upToCents: upToCents, seconds: seconds, now: now) }
    }
}
