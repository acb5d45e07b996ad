import Logging
import TelefoniaCore

extension SQLStore {
    private static let registrationColumns = "tenant_id, extension, contact, source, expires_at, user_agent, call_id, latency_ms, last_reply_at"

    private static func registration(_ row: SQLRow) -> Registration {
        Registration(
            tenantID: row.text(0), extensionNumber: row.text(1), contact: row.text(2), source: row.text(3),
            expiresAt: row.int64(4), userAgent: row.optionalText(5), callID: row.text(6),
            latencyMs: row.optionalInt64(7).map { Int($0) }, lastReplyAt: row.optionalInt64(8)
        )
    }

    public func registrations(tenantID: String?) throws -> [Registration] {
        try withDatabase { database in
            if let tenantID {
                return try database.query(
                    "SELECT \(Self.registrationColumns) FROM registrations WHERE tenant_id = ? ORDER BY extension, contact",
                    tenantID, row: Self.registration
                )
            }
            return try database.query(
                "SELECT \(Self.registrationColumns) FROM registrations ORDER BY tenant_id, extension, contact",
                row: Self.registration
            )
        }
    }

    public func registrations(tenantID: String, extensionNumber: String) throws -> [Registration] {
        try withDatabase {
            try $0.query(
                "SELECT \(Self.registrationColumns) FROM registrations WHERE tenant_id = ? AND extension = ? ORDER BY contact",
                tenantID, extensionNumber, row: Self.registration
            )
        }
    }

    public func save(_ registration: Registration) throws {
        try write { database in
            let lineExists = try !database.query(
                "SELECT 1 FROM lines WHERE tenant_id = ? AND extension = ?",
                registration.tenantID, registration.extensionNumber, row: { _ in 1 }
            ).isEmpty
            guard lineExists else {
                throw StoreError(.notFound, "tenant \(registration.tenantID) has no line \(registration.extensionNumber)")
            }
            try database.execute(
                """
                INSERT INTO registrations (tenant_id, extension, contact, source, expires_at, user_agent, call_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant_id, extension, contact) DO UPDATE SET source = excluded.source,
                    expires_at = excluded.expires_at, user_agent = excluded.user_agent, call_id = excluded.call_id
                """,
                registration.tenantID, registration.extensionNumber, registration.contact, registration.source,
                registration.expiresAt, registration.userAgent, registration.callID
            )
        }
    }

    public func removeRegistration(tenantID: String, extensionNumber: String, contact: String) throws {
        try withDatabase {
            try $0.execute(
                "DELETE FROM registrations WHERE tenant_id = ? AND extension = ? AND contact = ?",
                tenantID, extensionNumber, contact
            )
        }
    }

    public func removeRegistrations(tenantID: String, extensionNumber: String) throws {
        try withDatabase {
            try $0.execute("DELETE FROM registrations WHERE tenant_id = ? AND extension = ?", tenantID, extensionNumber)
        }
    }

    @discardableResult
    public func purgeExpiredRegistrations(now: Int64) throws -> Int {
        let purged = try withDatabase { try $0.execute("DELETE FROM registrations WHERE expires_at < ?", now) }
        if purged > 0 { logger.debug("purged expired registrations", metadata: ["tel.count": "\(purged)"]) }
        return purged
    }
}
