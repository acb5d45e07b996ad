import CSQLite
import Foundation
import Logging
import TelefoniaCore

/// How hard SQLite pushes commits to disk (`PRAGMA synchronous`).
public enum SQLiteSynchronous: String, Sendable, CaseIterable {
    /// In WAL mode a commit survives a killed process; a power cut may lose the
    /// last commits but never corrupts the file.
    case normal = "NORMAL"
    /// Every commit is flushed to the disk before it returns: survives power cuts, slower.
    case full = "FULL"
}

/// The `Store` on SQL: an SQLite file (the embedded default, shared safely by several
/// processes — the server and the `telefonia` CLI: WAL journal, 5 s busy timeout,
/// foreign keys on) or a PostgreSQL database (`init(url:)`, shared by several servers:
/// see docs/ARCHITECTURE.md, "Growing past one machine"). The statements are the same
/// on both (`PostgresDialect` rewrites the few spellings that differ).
///
/// Rules (the same as `MemoryStore`):
/// - `save` inserts or replaces by key; a tenant's domain is unique (ASCII case
///   ignored); a line needs its tenant, a DID and a registration need their line,
///   a tenant's trunk must exist.
/// - Removing a tenant removes its lines, DIDs and registrations; removing a line
///   removes its DIDs and registrations. CDRs are history and are never removed.
/// - Removing a tenant, line, DID or trunk that does not exist throws `notFound`;
///   removing a trunk a tenant uses throws `invalid`. Removing registrations is
///   idempotent.
/// - Lists are ordered by key; CDRs by start time, then id.
///
/// Every call takes one lock around the single connection and finishes its
/// statements before returning, so no read transaction stays open and each call
/// sees what other processes committed before it. Write transactions never overlap,
/// within a process or across processes and machines (see `SQLDatabase.writeTransaction`).
public final class SQLStore: Store, @unchecked Sendable {
    /// Where the data is: the SQLite file, or the PostgreSQL URL without its password.
    public let path: String
    let logger: Logger
    private let database: any SQLDatabase
    private let lock = NSLock()
    private let nodeLock = NSLock()
    private var nodeName = ProcessInfo.processInfo.hostName

    /// The server this store works for, as other servers on the same database know it
    /// (the server sets its SIP address and port): names its credit holds.
    public var node: String {
        get { nodeLock.withLock { nodeName } }
        set { nodeLock.withLock { nodeName = newValue } }
    }

    /// Set by a host whose threads must never wait on the database: when it returns true
    /// for the calling thread (the server: any event loop thread), the call is a bug. Debug
    /// builds stop there (the integration tests run the debug server, so such a call
    /// fails them); release builds log it at critical and go on. Set once at start,
    /// before any thread uses a store.
    nonisolated(unsafe) public static var forbiddenThread: (@Sendable () -> Bool)?

    /// Opens the store a database URL names: `postgres://` or `postgresql://` (a
    /// PostgreSQL server, libpq's URL form: `postgres://user:password@host:port/db`),
    /// `sqlite:PATH`, or a plain path (an SQLite file).
    public convenience init(url: String, synchronous: SQLiteSynchronous = .normal,
                            logger: Logger = Logger(label: "telefonia.storage")) throws {
        if Self.isPostgres(url) {
            try self.init(postgres: url, logger: logger)
        } else {
            try self.init(path: url.hasPrefix("sqlite:") ? String(url.dropFirst("sqlite:".count)) : url,
                          synchronous: synchronous, logger: logger)
        }
    }

    /// A database URL without its password, for messages.
    public static func redacted(_ url: String) -> String { PostgresDatabase.redacted(url) }

    /// Whether a database URL names a PostgreSQL server.
    public static func isPostgres(_ url: String) -> Bool {
        url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")
    }

    /// Connects to a PostgreSQL database and brings its schema up to date (several
    /// servers starting at once migrate one after the other).
    public init(postgres url: String, logger: Logger = Logger(label: "telefonia.storage")) throws {
        self.path = PostgresDatabase.redacted(url)
        self.logger = logger
        do {
            database = try PostgresDatabase(url: url)
        } catch {
            throw Self.storeError(error, path: path)
        }
        try withDatabase { database in try migrate(database) }
        logger.debug("opened PostgreSQL store", metadata: ["tel.db": "\(path)"])
    }

    /// Opens the SQLite file at `path` (creating it and its folder if needed) and brings
    /// its schema up to date.
    public init(
        path: String, synchronous: SQLiteSynchronous = .normal,
        logger: Logger = Logger(label: "telefonia.storage")
    ) throws {
        self.path = path
        self.logger = logger
        if path != ":memory:" && !path.isEmpty {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw StoreError(.io, "cannot create the folder \(folder.path) for the database: \(error.localizedDescription)")
            }
        }
        let file: SQLiteDatabase
        do {
            file = try SQLiteDatabase(path: path)
        } catch {
            throw Self.storeError(error, path: path)
        }
        database = file
        try withDatabase { database in
            // Opening waits longer: another process (or store) may be migrating the same new file.
            try file.setBusyTimeout(milliseconds: 30_000)
            // Persistent in the file; lets readers go on while a writer commits.
            let mode = try database.query("PRAGMA journal_mode = WAL") { $0.text(0) }.first ?? ""
            if mode.lowercased() != "wal" {
                logger.debug("SQLite did not switch to WAL", metadata: ["tel.db": "\(path)", "tel.journal_mode": "\(mode)"])
            }
            try database.execute("PRAGMA synchronous = \(synchronous.rawValue)")
            try database.execute("PRAGMA foreign_keys = ON")
            try migrate(database)
            try file.setBusyTimeout(milliseconds: 5000)
        }
        logger.debug("opened SQLite store", metadata: ["tel.db": "\(path)"])
    }

    /// Closes the connection; later calls throw. Dropping the store does the same.
    public func close() {
        lock.withLock { database.close() }
    }

    /// Runs `body` under the lock and turns SQLite errors into `StoreError`s.
    @discardableResult
    func withDatabase<T>(_ body: (any SQLDatabase) throws -> T) throws -> T {
        if let forbidden = Self.forbiddenThread, forbidden() {
            logger.critical("the database called on an event loop thread", metadata: ["tel.db": "\(path)"])
            assertionFailure("the database called on an event loop thread: storage must go through StoreExecutor")
        }
        lock.lock()
        defer { lock.unlock() }
        do {
            return try body(database)
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    /// A write transaction under the lock.
    @discardableResult
    func write<T>(_ body: (any SQLDatabase) throws -> T) throws -> T {
        try withDatabase { database in try database.writeTransaction { try body(database) } }
    }

    static func storeError(_ error: any Error, path: String) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? PostgresError { return postgresError(error, path: path) }
        guard let error = error as? SQLiteError else { return StoreError(.io, "\(error)") }
        switch error.reason {
        case .busy, .locked:
            return StoreError(.io, "the database \(path) stayed locked by another process for more than 5 s; try again")
        case .uniqueViolation, .primaryKeyViolation:
            return StoreError(.duplicate, "already exists: \(error.message)")
        case .foreignKeyViolation:
            return StoreError(.notFound, "a referenced tenant, line or trunk does not exist")
        case .notNullViolation, .checkViolation, .constraint:
            return StoreError(.invalid, "invalid value: \(error.message)")
        case .cantOpen:
            return StoreError(.io, "cannot open the database \(path): \(error.message)")
        case .readOnly:
            return StoreError(.io, "the database \(path) is read-only: \(error.message)")
        case .corrupt, .notADatabase:
            return StoreError(.io, "\(path) is not a valid Telefonia database: \(error.message)")
        case .full:
            return StoreError(.io, "the disk holding \(path) is full")
        case .ioError, .misuse, .other:
            return StoreError(.io, "database error in \(path): \(error.message)")
        }
    }

    /// A PostgreSQL failure as the store's error, by SQLSTATE class.
    static func postgresError(_ error: PostgresError, path: String) -> StoreError {
        switch error.sqlState {
        case "23505": StoreError(.duplicate, "already exists: \(error.message)")
        case "23503": StoreError(.notFound, "a referenced tenant, line or trunk does not exist")
        case "23502", "23514", "22001", "22003", "22P02": StoreError(.invalid, "invalid value: \(error.message)")
        case "40001", "40P01", "55P03":
            StoreError(.io, "the database \(path) was busy with a conflicting change; try again (\(error.message))")
        case _ where error.isConnectionFailure: StoreError(.io, "cannot reach the database \(path): \(error.message)")
        default: StoreError(.io, "database error in \(path): \(error)")
        }
    }

    // MARK: - Tenants

    private static let tenantColumns = "id, domain, name, area_code, trunk_id"

    private static func tenant(_ row: SQLRow) -> Tenant {
        Tenant(id: row.text(0), domain: row.text(1), name: row.text(2), areaCode: row.text(3), trunkID: row.optionalText(4))
    }

    public func tenants() throws -> [Tenant] {
        try withDatabase { try $0.query("SELECT \(Self.tenantColumns) FROM tenants ORDER BY id", row: Self.tenant) }
    }

    public func tenant(id: String) throws -> Tenant? {
        try withDatabase { try $0.query("SELECT \(Self.tenantColumns) FROM tenants WHERE id = ?", id, row: Self.tenant).first }
    }

    public func tenant(domain: String) throws -> Tenant? {
        try withDatabase {
            try $0.query("SELECT \(Self.tenantColumns) FROM tenants WHERE domain = ?", domain, row: Self.tenant).first
        }
    }

    public func save(_ tenant: Tenant) throws {
        guard Tenant.isValidID(tenant.id) else {
            throw StoreError(.invalid, "tenant id '\(tenant.id)' is not valid: \(Tenant.idRule)")
        }
        try write { database in
            let owners = try database.query("SELECT id FROM tenants WHERE domain = ? AND id <> ?", tenant.domain, tenant.id) { $0.text(0) }
            if let other = owners.first {
                throw StoreError(.duplicate, "domain \(tenant.domain) is already used by tenant \(other)")
            }
            if let trunkID = tenant.trunkID, try database.query("SELECT 1 FROM trunks WHERE id = ?", trunkID, row: { _ in 1 }).isEmpty {
                throw StoreError(.notFound, "unknown trunk \(trunkID)")
            }
            try database.execute(
                """
                INSERT INTO tenants (id, domain, name, area_code, trunk_id) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET domain = excluded.domain, name = excluded.name,
                    area_code = excluded.area_code, trunk_id = excluded.trunk_id
                """,
                tenant.id, tenant.domain, tenant.name, tenant.areaCode, tenant.trunkID
            )
        }
    }

    public func removeTenant(id: String) throws {
        // Lines, DIDs and registrations go with it (ON DELETE CASCADE); CDRs stay.
        let removed = try withDatabase { try $0.execute("DELETE FROM tenants WHERE id = ?", id) }
        if removed == 0 { throw StoreError(.notFound, "unknown tenant \(id)") }
    }

    // MARK: - Lines

    private static let lineColumns =
        "tenant_id, extension, ha1_md5, ha1_sha256, caller_id, display_name, permissions, ring_timeout"

    private static func line(_ row: SQLRow) -> Line {
        Line(
            tenantID: row.text(0), extensionNumber: row.text(1), ha1MD5: row.text(2), ha1SHA256: row.text(3),
            callerID: row.optionalText(4), displayName: row.optionalText(5),
            permissions: Permissions(rawValue: row.int(6)), ringTimeout: row.int(7)
        )
    }

    public func lines(tenantID: String) throws -> [Line] {
        try withDatabase {
            try $0.query("SELECT \(Self.lineColumns) FROM lines WHERE tenant_id = ? ORDER BY extension", tenantID, row: Self.line)
        }
    }

    public func line(tenantID: String, extensionNumber: String) throws -> Line? {
        try withDatabase {
            try $0.query(
                "SELECT \(Self.lineColumns) FROM lines WHERE tenant_id = ? AND extension = ?",
                tenantID, extensionNumber, row: Self.line
            ).first
        }
    }

    public func save(_ line: Line) throws {
        try write { database in
            if try database.query("SELECT 1 FROM tenants WHERE id = ?", line.tenantID, row: { _ in 1 }).isEmpty {
                throw StoreError(.notFound, "unknown tenant \(line.tenantID)")
            }
            try database.execute(
                """
                INSERT INTO lines (tenant_id, extension, ha1_md5, ha1_sha256, caller_id, display_name, permissions, ring_timeout)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant_id, extension) DO UPDATE SET ha1_md5 = excluded.ha1_md5,
                    ha1_sha256 = excluded.ha1_sha256, caller_id = excluded.caller_id,
                    display_name = excluded.display_name, permissions = excluded.permissions,
                    ring_timeout = excluded.ring_timeout
                """,
                line.tenantID, line.extensionNumber, line.ha1MD5, line.ha1SHA256, line.callerID, line.displayName,
                line.permissions.rawValue, line.ringTimeout
            )
        }
    }

    public func removeLine(tenantID: String, extensionNumber: String) throws {
        let removed = try write { database in
            if let user = CallFlowRules.menu(naming: extensionNumber, among: try ivrMenus(in: database, tenantID: tenantID)) {
                throw StoreError(.invalid, "IVR \(user.number) sends calls to line \(extensionNumber)")
            }
            if let group = CallFlowRules.group(naming: extensionNumber, among: try callGroups(in: database, tenantID: tenantID)) {
                throw StoreError(.invalid, "group \(group.name) rings line \(extensionNumber)")
            }
            if let pickup = CallFlowRules.pickupGroup(naming: extensionNumber, among: try pickupGroups(in: database, tenantID: tenantID)) {
                throw StoreError(.invalid, "pickup group \(pickup.name) names line \(extensionNumber)")
            }
            return try database.execute("DELETE FROM lines WHERE tenant_id = ? AND extension = ?", tenantID, extensionNumber)
        }
        if removed == 0 { throw StoreError(.notFound, "tenant \(tenantID) has no line \(extensionNumber)") }
    }

    // MARK: - DIDs

    private static func did(_ row: SQLRow) -> DID {
        DID(number: row.text(0), tenantID: row.text(1), extensionNumber: row.text(2),
            route: row.optionalText(3).flatMap(DIDRoute.init(parsing:)))
    }

    public func dids(tenantID: String?) throws -> [DID] {
        try withDatabase { database in
            if let tenantID {
                return try database.query(
                    "SELECT number, tenant_id, extension, route FROM dids WHERE tenant_id = ? ORDER BY number", tenantID, row: Self.did
                )
            }
            return try database.query("SELECT number, tenant_id, extension, route FROM dids ORDER BY number", row: Self.did)
        }
    }

    public func did(number: String) throws -> DID? {
        try withDatabase {
            try $0.query("SELECT number, tenant_id, extension, route FROM dids WHERE number = ?", number, row: Self.did).first
        }
    }

    public func save(_ did: DID) throws {
        try write { database in
            let lineExists = try !database.query(
                "SELECT 1 FROM lines WHERE tenant_id = ? AND extension = ?", did.tenantID, did.extensionNumber, row: { _ in 1 }
            ).isEmpty
            guard lineExists else {
                throw StoreError(.notFound, "tenant \(did.tenantID) has no line \(did.extensionNumber)")
            }
            if case .ivr(let menu)? = did.route, try database.query(
                "SELECT 1 FROM ivr_menus WHERE tenant_id = ? AND number = ?", did.tenantID, menu, row: { _ in 1 }
            ).isEmpty {
                throw StoreError(.invalid, "tenant \(did.tenantID) has no IVR \(menu)")
            }
            if case .group(let name)? = did.route, try database.query(
                "SELECT 1 FROM call_groups WHERE tenant_id = ? AND name = ?", did.tenantID, name, row: { _ in 1 }
            ).isEmpty {
                throw StoreError(.invalid, "tenant \(did.tenantID) has no call group \(name)")
            }
            if case .voicemail(let ext)? = did.route, try database.query(
                "SELECT 1 FROM lines WHERE tenant_id = ? AND extension = ?", did.tenantID, ext, row: { _ in 1 }
            ).isEmpty {
                throw StoreError(.invalid, "tenant \(did.tenantID) has no line \(ext) (for its voicemail)")
            }
            try database.execute(
                """
                INSERT INTO dids (number, tenant_id, extension, route) VALUES (?, ?, ?, ?)
                ON CONFLICT (number) DO UPDATE SET tenant_id = excluded.tenant_id, extension = excluded.extension,
                    route = excluded.route
                """,
                did.number, did.tenantID, did.extensionNumber, did.route?.description
            )
        }
    }

    public func removeDID(number: String) throws {
        let removed = try withDatabase { try $0.execute("DELETE FROM dids WHERE number = ?", number) }
        if removed == 0 { throw StoreError(.notFound, "unknown DID \(number)") }
    }

    // MARK: - Trunks

    private static let trunkColumns = "id, host, port, transport, username, password, max_calls"

    private static func trunk(_ row: SQLRow) -> Trunk {
        Trunk(
            id: row.text(0), host: row.text(1), port: row.int(2), transport: row.text(3),
            username: row.optionalText(4), password: row.optionalText(5), maxCalls: row.optionalInt64(6).map { Int($0) }
        )
    }

    public func trunks() throws -> [Trunk] {
        try withDatabase { try $0.query("SELECT \(Self.trunkColumns) FROM trunks ORDER BY id", row: Self.trunk) }
    }

    public func trunk(id: String) throws -> Trunk? {
        try withDatabase { try $0.query("SELECT \(Self.trunkColumns) FROM trunks WHERE id = ?", id, row: Self.trunk).first }
    }

    public func save(_ trunk: Trunk) throws {
        try withDatabase { database in
            try database.execute(
                """
                INSERT INTO trunks (id, host, port, transport, username, password, max_calls) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port,
                    transport = excluded.transport, username = excluded.username, password = excluded.password,
                    max_calls = excluded.max_calls
                """,
                trunk.id, trunk.host, trunk.port, trunk.transport, trunk.username, trunk.password, trunk.maxCalls
            )
        }
    }

    public func removeTrunk(id: String) throws {
        try write { database in
            let users = try database.query("SELECT id FROM tenants WHERE trunk_id = ? ORDER BY id", id) { $0.text(0) }
            if !users.isEmpty {
                throw StoreError(.invalid, "trunk \(id) is used by tenant \(users.joined(separator: ", "))")
            }
            if try database.execute("DELETE FROM trunks WHERE id = ?", id) == 0 {
                throw StoreError(.notFound, "unknown trunk \(id)")
            }
        }
    }
}
