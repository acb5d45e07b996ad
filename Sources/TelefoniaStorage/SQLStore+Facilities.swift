import Foundation
import TelefoniaCore

extension DocumentTable {
    static let portalNumbers = DocumentTable(name: "portal_numbers", key: "number")
}

/// Voice portal numbers as documents; facility requests as rows, claimed by one
/// conditional UPDATE so that two servers on one database never both carry one out.
/// Same rules as `MemoryStore`.
extension SQLStore: FacilityStore {
    public func portalNumbers(tenantID: String) throws -> [PortalNumber] {
        try withDatabase { try $0.documents(PortalNumber.self, in: .portalNumbers, tenantID: tenantID) }
    }

    public func save(_ number: PortalNumber) throws {
        try write { database in
            try database.requireTenant(number.tenantID)
            if let problem = number.problem() { throw StoreError(.invalid, problem) }
            guard try database.hasLine(tenantID: number.tenantID, extensionNumber: number.line) else {
                throw StoreError(.invalid, "tenant \(number.tenantID) has no line \(number.line)")
            }
            try database.put(number, in: .portalNumbers, tenantID: number.tenantID, key: number.number)
        }
    }

    @discardableResult
    public func removePortalNumber(tenantID: String, number: String) throws -> PortalNumber {
        try write { database in
            guard let found = try database.document(PortalNumber.self, in: .portalNumbers, tenantID: tenantID, key: number) else {
                throw StoreError(.notFound, "tenant \(tenantID) has no portal number \(number)")
            }
            try database.deleteDocument(in: .portalNumbers, tenantID: tenantID, key: number)
            return found
        }
    }

    public func file(_ request: FacilityRequest) throws -> FacilityRequest {
        try write { database in
            try database.requireTenant(request.tenantID)
            if let problem = request.problem() { throw StoreError(.invalid, problem) }
            guard try database.hasLine(tenantID: request.tenantID, extensionNumber: request.line) else {
                throw StoreError(.invalid, "tenant \(request.tenantID) has no line \(request.line)")
            }
            var filed = request
            filed.state = .pending
            filed.legs = []
            filed.result = nil
            filed.doneAt = nil
            filed.id = try database.query(
                """
                INSERT INTO facility_requests (tenant_id, kind, line, numbers, target, requested_by, created_at, state, legs)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', '[]') RETURNING id
                """,
                request.tenantID, request.kind.rawValue, request.line, try SQLStore.encode(request.numbers), request.target,
                request.requestedBy, request.createdAt) { $0.int64(0) }.first ?? 0
            return filed
        }
    }

    public func facilityRequest(id: Int64) throws -> FacilityRequest? {
        try facilityRequests(where: "id = ?", id).first
    }

    public func facilityRequests(tenantID: String, limit: Int) throws -> [FacilityRequest] {
        try facilityRequests(where: "tenant_id = ? ORDER BY id DESC LIMIT ?", tenantID, limit)
    }

    public func pendingFacilityRequests() throws -> [FacilityRequest] {
        try facilityRequests(where: "state = 'pending' ORDER BY id")
    }

    public func claim(facilityRequest id: Int64, node: String) throws -> FacilityRequest? {
        try write { database in
            guard try database.execute("UPDATE facility_requests SET state = 'running', node = ? WHERE id = ? AND state = 'pending'",
                                       node, id) == 1 else {
                return nil
            }
            return try Self.facilityRequests(in: database, where: "id = ?", [id]).first
        }
    }

    @discardableResult
    public func interruptFacilityRequests(node: String, at: Int64) throws -> Int {
        try write { database in
            try database.execute(
                "UPDATE facility_requests SET state = 'done', result = ?, done_at = ? WHERE state = 'running' AND node = ?",
                FacilityRequest.interrupted, at, node)
        }
    }

    public func update(_ request: FacilityRequest) throws {
        try write { database in
            let changed = try database.execute(
                "UPDATE facility_requests SET state = ?, legs = ?, result = ?, done_at = ? WHERE id = ?",
                request.state.rawValue, try SQLStore.encode(request.legs), request.result, request.doneAt, request.id)
            guard changed == 1 else { throw StoreError(.notFound, "no facility request \(request.id)") }
        }
    }

    private func facilityRequests(where condition: String, _ values: any SQLBindable...) throws -> [FacilityRequest] {
        try withDatabase { try Self.facilityRequests(in: $0, where: condition, values) }
    }

    private static func facilityRequests(in database: any SQLDatabase, where condition: String, _ values: [any SQLBindable])
        throws -> [FacilityRequest] {
        try database.query(
            """
            SELECT id, tenant_id, kind, line, numbers, target, requested_by, created_at, state, legs, result, done_at, node
            FROM facility_requests WHERE \(condition)
            """, values: values
        ) { row in
            FacilityRequest(
                id: row.int64(0), tenantID: row.text(1), kind: FacilityRequest.Kind(rawValue: row.text(2)) ?? .click2call,
                line: row.text(3), numbers: (try? SQLStore.decode([String].self, row.text(4))) ?? [],
                target: row.optionalText(5), requestedBy: row.text(6), createdAt: row.int64(7),
                state: FacilityRequest.State(rawValue: row.text(8)) ?? .done,
                legs: (try? SQLStore.decode([FacilityRequest.Leg].self, row.text(9))) ?? [],
                result: row.optionalText(10), doneAt: row.optionalInt64(11), node: row.optionalText(12))
        }
    }

    /// The facilities that place calls (issue 12).
    static let facilityMigrations: [SQLMigration] = [
        SQLMigration(
            name: "1200-facilities",
            sql: """
                CREATE TABLE portal_numbers (
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    number TEXT NOT NULL,
                    definition TEXT NOT NULL,
                    PRIMARY KEY (tenant_id, number)
                );
                CREATE TABLE facility_requests (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    tenant_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    line TEXT NOT NULL,
                    numbers TEXT NOT NULL,
                    target TEXT,
                    requested_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    legs TEXT NOT NULL,
                    result TEXT,
                    done_at INTEGER
                );
                CREATE INDEX facility_requests_state ON facility_requests (state);
                CREATE INDEX facility_requests_tenant ON facility_requests (tenant_id, id);
                """
        ),
        SQLMigration(
            name: "1201-facility-node",
            sql: "ALTER TABLE facility_requests ADD COLUMN node TEXT;"
        ),
    ]
}
