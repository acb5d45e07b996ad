import Foundation

/// An in-memory `Store` for the simulator, examples and tests.
///
/// It follows the same rules as the SQLite store so a test written against one
/// predicts the other:
/// - `save` inserts or replaces by key; a tenant's domain is unique (compared
///   without regard to ASCII case); a line needs its tenant, a DID and a
///   registration need their line, a tenant's trunk must exist.
/// - Removing a tenant removes its lines, DIDs and registrations; removing a line
///   removes its DIDs and registrations. CDRs are history and are never removed.
/// - Removing a tenant, line, DID or trunk that does not exist throws `notFound`;
///   removing a trunk a tenant uses throws `invalid`. Removing registrations is
///   idempotent.
/// - Lists are ordered by key; CDRs by start time, then id.
public final class MemoryStore: Store, @unchecked Sendable {
    struct State {
        var tenants: [String: Tenant] = [:]
        var lines: [LineKey: Line] = [:]
        var dids: [String: DID] = [:]
        var trunks: [String: Trunk] = [:]
        var registrations: [RegistrationKey: Registration] = [:]
        var cdrs: [CDR] = []
        var cdrIDs: Set<String> = []
        /// Tenant id → audio name → row (`MemoryStore+Audio.swift`).
        var audioFiles: [String: [String: AudioFile]] = [:]
        /// Plans, balances, the credit log and invoices (`MemoryStore+Rating.swift`).
        var rating = MemoryRatingState()
        var liveCalls: [String: [LiveCall]] = [:]
        /// Job → (node, until): `JobLeaseStore`.
        var leases: [String: (node: String, until: Int64)] = [:]
        var recordings: [String: Recording] = [:]
        var liveUpdatedAt: Int64?
        /// Rows per report page by tenant (P6), see MemoryStore+Reports.swift.
        var reportPageSizes: [String: Int] = [:]
        /// Tenant id → room number → room (`MemoryStore+Rooms.swift`).
        var rooms: [String: [String: ConferenceRoom]] = [:]
        /// Tenant id → name → profile (`MemoryStore+CallFlows.swift`).
        var timeProfiles: [String: [String: TimeProfile]] = [:]
        /// Tenant id → number → IVR menu (`MemoryStore+CallFlows.swift`).
        var ivrMenus: [String: [String: IVRMenu]] = [:]
        /// Tenant id → name → call group.
        var callGroups: [String: [String: CallGroup]] = [:]
        /// Lines' DND, forwarding and call waiting, when not the defaults.
        var lineFeatures: [LineKey: LineFeatures] = [:]
        /// Tenant id → name → pickup group.
        var pickupGroups: [String: [String: PickupGroup]] = [:]
        /// Voicemail message rows by id.
        var voicemail: [String: VoicemailMessage] = [:]
        /// IVR visits (R3), history kept like CDRs.
        var ivrVisits: [IVRVisit] = []
        /// Tenant id → name → queue (`MemoryStore+Queues.swift`).
        var callQueues: [String: [String: CallQueue]] = [:]
        /// Queue events (C2), in order.
        var queueEvents: [QueueEvent] = []
        /// Tenant id → the newest live view of its queues.
        var queueSnapshots: [String: QueueSnapshot] = [:]
        /// Supervisors' commands, in order.
        var queueCommands: [SupervisorCommand] = []
        /// Voice portal numbers by tenant, then number (F3, K1).
        var portalNumbers: [String: [String: PortalNumber]] = [:]
        /// Facility requests, in the order filed (issue 12).
        var facilityRequests: [FacilityRequest] = []
        /// Tenant id → name → campaign (`MemoryStore+Campaigns.swift`).
        var campaigns: [String: [String: Campaign]] = [:]
        var settings: [String: TenantSettings] = [:]
        var panelUsers: [String: PanelUser] = [:]
        var panelSessions: [String: PanelSession] = [:]
        var audit: [AuditEntry] = []
        /// "tenant/campaign" → its mailing.
        var mailings: [String: [CampaignNumber]] = [:]
    }

    struct LineKey: Hashable {
        var tenantID: String
        var extensionNumber: String
    }

    struct RegistrationKey: Hashable {
        var tenantID: String
        var extensionNumber: String
        var contact: String
    }

    private let lock = NSLock()
    private var state = State()

    /// An empty store.
    public init() {}

    /// A store holding the given configuration (saved in dependency order).
    public convenience init(trunks: [Trunk] = [], tenants: [Tenant] = [], lines: [Line] = [], dids: [DID] = []) throws {
        self.init()
        for trunk in trunks { try save(trunk) }
        for tenant in tenants { try save(tenant) }
        for line in lines { try save(line) }
        for did in dids { try save(did) }
    }

    func withState<T>(_ body: (inout State) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }

    // MARK: - Tenants

    public func tenants() throws -> [Tenant] {
        withState { $0.tenants.values.sorted { Self.precedes($0.id, $1.id) } }
    }

    public func tenant(id: String) throws -> Tenant? {
        withState { $0.tenants[id] }
    }

    public func tenant(domain: String) throws -> Tenant? {
        withState { state in state.tenants.values.first { Self.sameDomain($0.domain, domain) } }
    }

    public func save(_ tenant: Tenant) throws {
        guard Tenant.isValidID(tenant.id) else {
            throw StoreError(.invalid, "tenant id '\(tenant.id)' is not valid: \(Tenant.idRule)")
        }
        try withState { state in
            if let other = state.tenants.values.first(where: { $0.id != tenant.id && Self.sameDomain($0.domain, tenant.domain) }) {
                throw StoreError(.duplicate, "domain \(tenant.domain) is already used by tenant \(other.id)")
            }
            if let trunkID = tenant.trunkID, state.trunks[trunkID] == nil {
                throw StoreError(.notFound, "unknown trunk \(trunkID)")
            }
            state.tenants[tenant.id] = tenant
        }
    }

    public func removeTenant(id: String) throws {
        try withState { state in
            guard state.tenants.removeValue(forKey: id) != nil else {
                throw StoreError(.notFound, "unknown tenant \(id)")
            }
            state.lines = state.lines.filter { $0.key.tenantID != id }
            state.dids = state.dids.filter { $0.value.tenantID != id }
            state.registrations = state.registrations.filter { $0.key.tenantID != id }
            state.rating.tenantPlans[id] = nil
            state.rooms[id] = nil
            state.timeProfiles[id] = nil
            state.ivrMenus[id] = nil
            state.callGroups[id] = nil
            state.pickupGroups[id] = nil
            state.callQueues[id] = nil
            state.campaigns[id] = nil
            state.lineFeatures = state.lineFeatures.filter { $0.key.tenantID != id }
            state.audioFiles[id] = nil
        }
    }

    // MARK: - Lines

    public func lines(tenantID: String) throws -> [Line] {
        withState { state in
            state.lines.values.filter { $0.tenantID == tenantID }
                .sorted { Self.precedes($0.extensionNumber, $1.extensionNumber) }
        }
    }

    public func line(tenantID: String, extensionNumber: String) throws -> Line? {
        withState { $0.lines[LineKey(tenantID: tenantID, extensionNumber: extensionNumber)] }
    }

    public func save(_ line: Line) throws {
        try withState { state in
            guard state.tenants[line.tenantID] != nil else {
                throw StoreError(.notFound, "unknown tenant \(line.tenantID)")
            }
            state.lines[LineKey(tenantID: line.tenantID, extensionNumber: line.extensionNumber)] = line
        }
    }

    public func removeLine(tenantID: String, extensionNumber: String) throws {
        try withState { state in
            guard state.lines[LineKey(tenantID: tenantID, extensionNumber: extensionNumber)] != nil else {
                throw StoreError(.notFound, "tenant \(tenantID) has no line \(extensionNumber)")
            }
            let menus = (state.ivrMenus[tenantID] ?? [:]).values.sorted { IVRMenu.precedes($0, $1) }
            if let user = CallFlowRules.menu(naming: extensionNumber, among: menus) {
                throw StoreError(.invalid, "IVR \(user.number) sends calls to line \(extensionNumber)")
            }
            let groups = (state.callGroups[tenantID] ?? [:]).values.sorted { $0.name < $1.name }
            if let group = CallFlowRules.group(naming: extensionNumber, among: groups) {
                throw StoreError(.invalid, "group \(group.name) rings line \(extensionNumber)")
            }
            let pickups = (state.pickupGroups[tenantID] ?? [:]).values.sorted { $0.name < $1.name }
            if let pickup = CallFlowRules.pickupGroup(naming: extensionNumber, among: pickups) {
                throw StoreError(.invalid, "pickup group \(pickup.name) names line \(extensionNumber)")
            }
            state.lines[LineKey(tenantID: tenantID, extensionNumber: extensionNumber)] = nil
            state.lineFeatures[LineKey(tenantID: tenantID, extensionNumber: extensionNumber)] = nil
            state.dids = state.dids.filter { !($0.value.tenantID == tenantID && $0.value.extensionNumber == extensionNumber) }
            state.registrations = state.registrations.filter {
                !($0.key.tenantID == tenantID && $0.key.extensionNumber == extensionNumber)
            }
        }
    }

    // MARK: - DIDs

    public func dids(tenantID: String?) throws -> [DID] {
        withState { state in
            state.dids.values.filter { tenantID == nil || $0.tenantID == tenantID }
                .sorted { Self.precedes($0.number, $1.number) }
        }
    }

    public func did(number: String) throws -> DID? {
        withState { $0.dids[number] }
    }

    public func save(_ did: DID) throws {
        try withState { state in
            guard state.lines[LineKey(tenantID: did.tenantID, extensionNumber: did.extensionNumber)] != nil else {
                throw StoreError(.notFound, "tenant \(did.tenantID) has no line \(did.extensionNumber)")
            }
            if case .ivr(let menu)? = did.route, state.ivrMenus[did.tenantID]?[menu] == nil {
                throw StoreError(.invalid, "tenant \(did.tenantID) has no IVR \(menu)")
            }
            if case .group(let name)? = did.route, state.callGroups[did.tenantID]?[name] == nil {
                throw StoreError(.invalid, "tenant \(did.tenantID) has no call group \(name)")
            }
            if case .voicemail(let ext)? = did.route, state.lines[LineKey(tenantID: did.tenantID, extensionNumber: ext)] == nil {
                throw StoreError(.invalid, "tenant \(did.tenantID) has no line \(ext) (for its voicemail)")
            }
            state.dids[did.number] = did
        }
    }

    public func removeDID(number: String) throws {
        try withState { state in
            guard state.dids.removeValue(forKey: number) != nil else {
                throw StoreError(.notFound, "unknown DID \(number)")
            }
        }
    }

    // MARK: - Trunks

    public func trunks() throws -> [Trunk] {
        withState { $0.trunks.values.sorted { Self.precedes($0.id, $1.id) } }
    }

    public func trunk(id: String) throws -> Trunk? {
        withState { $0.trunks[id] }
    }

    public func save(_ trunk: Trunk) throws {
        withState { $0.trunks[trunk.id] = trunk }
    }

    public func removeTrunk(id: String) throws {
        try withState { state in
            guard state.trunks[id] != nil else {
                throw StoreError(.notFound, "unknown trunk \(id)")
            }
            let users = state.tenants.values.filter { $0.trunkID == id }.map(\.id).sorted { Self.precedes($0, $1) }
            if !users.isEmpty {
                throw StoreError(.invalid, "trunk \(id) is used by tenant \(users.joined(separator: ", "))")
            }
            state.trunks[id] = nil
        }
    }

    // MARK: - Registrations

    public func registrations(tenantID: String?) throws -> [Registration] {
        withState { state in
            state.registrations.values.filter { tenantID == nil || $0.tenantID == tenantID }.sorted(by: Self.precedes)
        }
    }

    public func registrations(tenantID: String, extensionNumber: String) throws -> [Registration] {
        withState { state in
            state.registrations.values.filter { $0.tenantID == tenantID && $0.extensionNumber == extensionNumber }
                .sorted(by: Self.precedes)
        }
    }

    public func save(_ registration: Registration) throws {
        try withState { state in
            guard state.lines[LineKey(tenantID: registration.tenantID, extensionNumber: registration.extensionNumber)] != nil else {
                throw StoreError(.notFound, "tenant \(registration.tenantID) has no line \(registration.extensionNumber)")
            }
            let key = RegistrationKey(
                tenantID: registration.tenantID, extensionNumber: registration.extensionNumber, contact: registration.contact
            )
            var registration = registration
            if let previous = state.registrations[key], registration.lastReplyAt == nil {
                registration.latencyMs = previous.latencyMs
                registration.lastReplyAt = previous.lastReplyAt
            }
            state.registrations[key] = registration
        }
    }

    public func removeRegistration(tenantID: String, extensionNumber: String, contact: String) throws {
        withState { state in
            state.registrations[RegistrationKey(tenantID: tenantID, extensionNumber: extensionNumber, contact: contact)] = nil
        }
    }

    public func removeRegistrations(tenantID: String, extensionNumber: String) throws {
        withState { state in
            state.registrations = state.registrations.filter {
                !($0.key.tenantID == tenantID && $0.key.extensionNumber == extensionNumber)
            }
        }
    }

    @discardableResult
    public func purgeExpiredRegistrations(now: Int64) throws -> Int {
        withState { state in
            let before = state.registrations.count
            state.registrations = state.registrations.filter { $0.value.expiresAt >= now }
            return before - state.registrations.count
        }
    }

    // MARK: - CDRs

    public func append(_ cdr: CDR) throws {
        try withState { state in
            guard state.cdrIDs.insert(cdr.id).inserted else {
                throw StoreError(.duplicate, "a CDR with id \(cdr.id) is already recorded")
            }
            // Calls end roughly in start order, so insertion from the back is cheap.
            let index = state.cdrs.lastIndex { !Self.precedes(cdr, $0) }.map { $0 + 1 } ?? 0
            state.cdrs.insert(cdr, at: index)
        }
    }

    public func cdrs(_ filter: CDRFilter) throws -> [CDR] {
        withState { state in
            let matching = state.cdrs.lazy.filter { filter.matches($0) }
            let offset = max(filter.offset ?? 0, 0)
            let limit = filter.limit.map { max($0, 0) } ?? Int.max
            return Array(matching.dropFirst(offset).prefix(limit))
        }
    }

    // MARK: - Ordering (the same as SQLite's binary collation)

    private static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private static func precedes(_ a: Registration, _ b: Registration) -> Bool {
        if a.tenantID != b.tenantID { return precedes(a.tenantID, b.tenantID) }
        if a.extensionNumber != b.extensionNumber { return precedes(a.extensionNumber, b.extensionNumber) }
        return precedes(a.contact, b.contact)
    }

    private static func precedes(_ a: CDR, _ b: CDR) -> Bool {
        if a.startedAt != b.startedAt { return a.startedAt < b.startedAt }
        return precedes(a.id, b.id)
    }

    /// Domains are compared like SQLite's NOCASE collation: ASCII letters only.
    private static func sameDomain(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { asciiLower($0) == asciiLower($1) }
    }

    private static func asciiLower(_ byte: UInt8) -> UInt8 {
        (byte >= 65 && byte <= 90) ? byte + 32 : byte
    }
}

extension CDRFilter {
    /// Whether a CDR passes every condition of the filter (limit and offset aside).
    public func matches(_ cdr: CDR) -> Bool {
        if let tenantID, cdr.tenantID != tenantID { return false }
        if let line, cdr.line != line { return false }
        if let from, cdr.startedAt < from { return false }
        if let to, cdr.startedAt >= to { return false }
        if let disposition, cdr.disposition != disposition { return false }
        if let direction, cdr.direction != direction { return false }
        if let number, !number.isEmpty,
           !(cdr.caller.contains(number) || cdr.dialled.contains(number) || cdr.normalized.contains(number)) {
            return false
        }
        if let reason, !reason.isEmpty, !cdr.reason.contains(reason) { return false }
        return true
    }
}
