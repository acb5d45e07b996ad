import Foundation
import Logging

/// One named schema change. Names are recorded in `schema_migrations`; never edit
/// or reorder a released migration, add a new one.
struct SQLiteMigration: Sendable {
    var name: String
    var sql: String
}

extension SQLiteStore {
    /// The schema, in order: the foundation's, then each feature's (kept in their own
    /// files so features can add tables without touching each other).
    static let migrations: [SQLiteMigration] = coreMigrations + ratingMigrations + reportMigrations + audioMigrations + roomMigrations
        + recordingMigrations + callFlowMigrations + queueMigrations + campaignMigrations + panelMigrations
        + facilityMigrations

    /// Configuration, registrations and call records.
    static let coreMigrations: [SQLiteMigration] = [
        SQLiteMigration(
            name: "001-configuration",
            sql: """
                CREATE TABLE trunks (
                    id TEXT PRIMARY KEY NOT NULL,
                    host TEXT NOT NULL,
                    port INTEGER NOT NULL,
                    transport TEXT NOT NULL,
                    username TEXT,
                    password TEXT
                );
                CREATE TABLE tenants (
                    id TEXT PRIMARY KEY NOT NULL,
                    domain TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    name TEXT NOT NULL,
                    area_code TEXT NOT NULL,
                    trunk_id TEXT REFERENCES trunks (id)
                );
                CREATE INDEX tenants_trunk ON tenants (trunk_id);
                CREATE TABLE lines (
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    extension TEXT NOT NULL,
                    ha1_md5 TEXT NOT NULL,
                    ha1_sha256 TEXT NOT NULL,
                    caller_id TEXT,
                    display_name TEXT,
                    permissions INTEGER NOT NULL,
                    ring_timeout INTEGER NOT NULL,
                    PRIMARY KEY (tenant_id, extension)
                );
                CREATE TABLE dids (
                    number TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL,
                    extension TEXT NOT NULL,
                    FOREIGN KEY (tenant_id, extension) REFERENCES lines (tenant_id, extension) ON DELETE CASCADE
                );
                CREATE INDEX dids_line ON dids (tenant_id, extension);
                """
        ),
        SQLiteMigration(
            name: "002-registrations",
            sql: """
                CREATE TABLE registrations (
                    tenant_id TEXT NOT NULL,
                    extension TEXT NOT NULL,
                    contact TEXT NOT NULL,
                    source TEXT NOT NULL,
                    expires_at INTEGER NOT NULL,
                    user_agent TEXT,
                    call_id TEXT NOT NULL,
                    PRIMARY KEY (tenant_id, extension, contact),
                    FOREIGN KEY (tenant_id, extension) REFERENCES lines (tenant_id, extension) ON DELETE CASCADE
                );
                CREATE INDEX registrations_expiry ON registrations (expires_at);
                """
        ),
        SQLiteMigration(
            // No foreign keys: call records outlive the tenants, lines and trunks they name.
            name: "003-cdrs",
            sql: """
                CREATE TABLE cdrs (
                    id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL,
                    line TEXT,
                    direction TEXT NOT NULL,
                    caller TEXT NOT NULL,
                    dialled TEXT NOT NULL,
                    normalized TEXT NOT NULL,
                    number_class TEXT,
                    started_at INTEGER NOT NULL,
                    answered_at INTEGER,
                    ended_at INTEGER NOT NULL,
                    disposition TEXT NOT NULL,
                    sip_cause INTEGER NOT NULL,
                    reason TEXT NOT NULL,
                    trunk_id TEXT
                );
                CREATE INDEX cdrs_tenant_start ON cdrs (tenant_id, started_at);
                CREATE INDEX cdrs_tenant_line_start ON cdrs (tenant_id, line, started_at);
                CREATE INDEX cdrs_start ON cdrs (started_at);
                """
        ),
        SQLiteMigration(
            name: "004-cdr-cost",
            sql: "ALTER TABLE cdrs ADD COLUMN cost_cents INTEGER;"
        ),
        SQLiteMigration(
            // L1 / L2: calls in progress written by each server node, keep-alive replies of contacts.
            name: "005-live",
            sql: """
                ALTER TABLE registrations ADD COLUMN latency_ms INTEGER;
                ALTER TABLE registrations ADD COLUMN last_reply_at INTEGER;
                CREATE TABLE live_calls (
                    node TEXT NOT NULL,
                    call_id TEXT NOT NULL,
                    tenant_id TEXT NOT NULL,
                    line TEXT,
                    direction TEXT NOT NULL,
                    caller TEXT NOT NULL,
                    dialled TEXT NOT NULL,
                    normalized TEXT NOT NULL,
                    number_class TEXT,
                    state TEXT NOT NULL,
                    started_at INTEGER NOT NULL,
                    answered_at INTEGER,
                    PRIMARY KEY (node, call_id)
                );
                CREATE INDEX live_calls_tenant ON live_calls (tenant_id);
                CREATE TABLE live_nodes (node TEXT PRIMARY KEY NOT NULL, updated_at INTEGER NOT NULL);
                """
        ),
    ]

    /// Names of the schema migrations this build knows, in order.
    public static var migrationNames: [String] { migrations.map(\.name) }

    /// Migrations recorded in the file, in the order they were applied, with the
    /// unix time (seconds) of each: for diagnostics and tests.
    public func appliedMigrations() throws -> [(name: String, appliedAt: Int64)] {
        try withDatabase {
            try $0.query("SELECT name, applied_at FROM schema_migrations ORDER BY applied_at, rowid") { ($0.text(0), $0.int64(1)) }
        }
    }

    /// Applies the migrations this file lacks, each in its own IMMEDIATE
    /// transaction. Two processes opening a new file at once are fine: the second
    /// waits for the write lock, then sees the migration recorded and skips it.
    func migrate(_ database: SQLiteDatabase) throws {
        try database.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL)"
        )
        let applied = Set(try database.query("SELECT name FROM schema_migrations") { $0.text(0) })
        let known = Set(Self.migrations.map(\.name))
        for name in applied.subtracting(known).sorted() {
            logger.debug("database has a migration this build does not know (written by a newer version?)",
                         metadata: ["tel.db": "\(path)", "tel.migration": "\(name)"])
        }
        for migration in Self.migrations where !applied.contains(migration.name) {
            try database.writeTransaction {
                let done = try !database.query("SELECT 1 FROM schema_migrations WHERE name = ?", migration.name) { _ in 1 }.isEmpty
                if done { return }
                try database.executeScript(migration.sql)
                try database.execute(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                    migration.name, Int64(Date().timeIntervalSince1970)
                )
                logger.debug("applied migration", metadata: ["tel.db": "\(path)", "tel.migration": "\(migration.name)"])
            }
        }
    }
}
