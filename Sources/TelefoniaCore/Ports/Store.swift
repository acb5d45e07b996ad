/// Errors a store reports; `message` is for the user.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable { case notFound, duplicate, invalid, io }
    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}

/// Filters for CDR queries; every query is keyed by tenant when `tenantID` is set.
public struct CDRFilter: Sendable, Equatable {
    public var tenantID: String?
    public var line: String?
    /// Unix ms, inclusive.
    public var from: Int64?
    /// Unix ms, exclusive.
    public var to: Int64?
    public var disposition: Disposition?
    public var direction: CallDirection?
    /// Substring of caller, dialled or normalised number.
    public var number: String?
    /// Substring of the reason (e.g. "toll-fraud").
    public var reason: String?
    public var limit: Int?
    public var offset: Int?

    public init(tenantID: String? = nil, line: String? = nil, from: Int64? = nil, to: Int64? = nil,
                disposition: Disposition? = nil, direction: CallDirection? = nil, number: String? = nil, reason: String? = nil,
                limit: Int? = nil, offset: Int? = nil) {
        self.tenantID = tenantID
        self.line = line
        self.from = from
        self.to = to
        self.disposition = disposition
        self.direction = direction
        self.number = number
        self.reason = reason
        self.limit = limit
        self.offset = offset
    }
}

/// Persistent configuration and call records. Implementations: SQLite (TelefoniaStorage),
/// in-memory (`MemoryStore`). Calls are synchronous: they are short and the SIP
/// adapter runs them on its own executor.
public protocol Store: AnyObject, Sendable {
    // Tenants
    func tenants() throws -> [Tenant]
    func tenant(id: String) throws -> Tenant?
    func tenant(domain: String) throws -> Tenant?
    func save(_ tenant: Tenant) throws
    func removeTenant(id: String) throws

    // Lines
    func lines(tenantID: String) throws -> [Line]
    func line(tenantID: String, extensionNumber: String) throws -> Line?
    func save(_ line: Line) throws
    func removeLine(tenantID: String, extensionNumber: String) throws

    // DIDs
    func dids(tenantID: String?) throws -> [DID]
    func did(number: String) throws -> DID?
    func save(_ did: DID) throws
    func removeDID(number: String) throws

    // Trunks
    func trunks() throws -> [Trunk]
    func trunk(id: String) throws -> Trunk?
    func save(_ trunk: Trunk) throws
    func removeTrunk(id: String) throws

    // Registrations
    func registrations(tenantID: String?) throws -> [Registration]
    func registrations(tenantID: String, extensionNumber: String) throws -> [Registration]
    /// Inserts or replaces the binding keyed by (tenant, extension, contact).
    func save(_ registration: Registration) throws
    func removeRegistration(tenantID: String, extensionNumber: String, contact: String) throws
    func removeRegistrations(tenantID: String, extensionNumber: String) throws
    /// Removes bindings that expired before `now` (unix seconds); returns how many.
    @discardableResult func purgeExpiredRegistrations(now: Int64) throws -> Int

    // CDRs
    /// Durably records a finished call (a committed transaction before it returns).
    func append(_ cdr: CDR) throws
    func cdrs(_ filter: CDRFilter) throws -> [CDR]
}
