import Foundation
import TelefoniaCore

/// Prepaid credit holds (R5 on several servers): each answered prepaid call holds
/// what it may spend of its tenant's balance, so calls on different servers sharing
/// one database never spend together more than the balance. Taken inside a write
/// transaction (one writer at a time, on every engine), so the read of the other
/// holds and this call's new hold are one step.
extension SQLStore {
    static let creditHoldMigrations: [SQLMigration] = [
        SQLMigration(
            // A hold ends with its call's record; one left by a server that died expires.
            name: "1300-credit-holds",
            sql: """
                CREATE TABLE credit_holds (
                    call_id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL,
                    node TEXT NOT NULL,
                    cents INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL
                );
                CREATE INDEX credit_holds_tenant ON credit_holds (tenant_id, expires_at);
                CREATE INDEX credit_holds_node ON credit_holds (node);
                """
        ),
    ]

    /// How long a hold outlives the talk time it pays for: a server that stopped
    /// answering its calls' timers frees its tenants' credit after this.
    static let creditHoldMargin: Int64 = 120_000

    public func holdCredit(tenantID: String, callID: String, upToCents: Int64, seconds: Int, now: Int64) throws -> CreditView {
        let node = self.node
        return try write { database in
            let available = try Self.balance(of: tenantID, in: database)
                - Self.held(by: tenantID, now: now, besides: callID, in: database)
            try database.execute(
                """
                INSERT INTO credit_holds (call_id, tenant_id, node, cents, expires_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (call_id) DO UPDATE SET cents = excluded.cents, expires_at = excluded.expires_at, node = excluded.node
                """,
                callID, tenantID, node, min(upToCents, max(0, available)), now + Int64(seconds) * 1000 + Self.creditHoldMargin)
            return CreditView(availableCents: available, holdsOtherCalls: true)
        }
    }

    /// What the tenant's answered prepaid calls hold now, cents (every server).
    public func heldCreditCents(tenantID: String, now: Int64) throws -> Int64 {
        try withDatabase { try Self.held(by: tenantID, now: now, besides: nil, in: $0) }
    }

    /// What the tenant's unexpired holds add up to, leaving out call `besides`'s own.
    private static func held(by tenantID: String, now: Int64, besides callID: String?, in database: any SQLDatabase) throws -> Int64 {
        try database.query(
            "SELECT coalesce(sum(cents), 0) FROM credit_holds WHERE tenant_id = ? AND expires_at > ? AND call_id <> ?",
            tenantID, now, callID ?? "") { $0.int64(0) }.first ?? 0
    }

    /// Ends the holds of a server's calls (it starts again: those calls are gone).
    @discardableResult
    public func releaseCreditHolds(node: String) throws -> Int {
        try withDatabase { try $0.execute("DELETE FROM credit_holds WHERE node = ?", node) }
    }

    /// Ends a call's hold, inside the transaction writing its record.
    static func endCreditHold(callID: String, in database: any SQLDatabase) throws {
        try database.execute("DELETE FROM credit_holds WHERE call_id = ?", callID)
    }
}
