import Foundation
import Logging

/// One named schema change. Names are recorded in `schema_migrations`; never edit
/// or reorder a released migration, add a new one. `sql` is SQLite's text; PostgreSQL
/// runs `postgres` when the rewrite of `PostgresDialect.migration` cannot carry it.
struct SQLMigration: Sendable {
    var name: String
    var sql: String
    var postgres: String?

    init(name: String, sql: String, postgres: String? = nil) {
        self.name = name
        self.sql = sql
        self.postgres = postgres
    }

    /// The text to run on a connection of `dialect`.
    func text(for dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite: sql
        case .postgres: postgres ?? PostgresDialect.migration(sql)
        }
    }
}

extension SQLStore {
    /// The schema, in order: the foundation's, then each feature's (kept in their own
    /// files so features can add tables without touching each other).
    static let migrations: [SQLMigration] = coreMigrations + ratingMigrations + reportMigrations + audioMigrations + roomMigrations
        + recordingMigrations + callFlowMigrations + queueMigrations + campaignMigrations + panelMigrations
        + facilityMigrations + creditHoldMigrations + leaseMigrations

    /// Configuration, registrations and call records.
    static let coreMigrations: [SQLMigration] = [
        SQLMigration(
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
        SQLMigration(
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
        SQLMigration(
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
        SQLMigration(
            name: "004-cdr-cost",
            sql: "ALTER TABLE cdrs ADD COLUMN cost_cents INTEGER;"
        ),
        SQLMigration(
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

    /// What PostgreSQL needs before the first migration so the statements read the same
    /// on both engines: SQLite's `instr`, a `nocase` collation (ICU, case-insensitive,
    /// like SQLite's NOCASE for ASCII) and `sum` over truth values (SQLite counts a true
    /// comparison as 1: the reports' `sum(disposition = 'answered')`).
    static let postgresPrelude = SQLMigration(
        name: "000-postgres-compatibility",
        sql: "",
        postgres: """
            CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
            CREATE OR REPLACE FUNCTION instr(text, text) RETURNS integer
                LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT strpos($1, $2)';
            CREATE OR REPLACE FUNCTION telefonia_count_true(bigint, boolean) RETURNS bigint
                LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT $1 + CASE WHEN $2 THEN 1 ELSE 0 END';
            CREATE AGGREGATE sum(boolean) (SFUNC = telefonia_count_true, STYPE = bigint, INITCOND = '0');
            """
    )

    /// Applies the migrations this database lacks, each in its own write transaction
    /// (IMMEDIATE on SQLite; under the write lock on PostgreSQL). Two processes opening
    /// a new database at once are fine: the second waits for the write lock, then sees
    /// the migration recorded and skips it.
    func migrate(_ database: any SQLDatabase) throws {
        try database.writeTransaction {
            try database.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY NOT NULL, applied_at BIGINT NOT NULL)"
            )
        }
        let all = database.dialect == .postgres ? [Self.postgresPrelude] + Self.migrations : Self.migrations
        let applied = Set(try database.query("SELECT name FROM schema_migrations") { $0.text(0) })
        let known = Set(all.map(\.name))
        for name in applied.subtracting(known).sorted() {
            logger.debug("database has a migration this build does not know (written by a newer version?)",
                         metadata: ["tel.db": "\(path)", "tel.migration": "\(name)"])
        }
        for migration in all where !applied.contains(migration.name) {
            try database.writeTransaction {
                let done = try !database.query("SELECT 1 FROM schema_migrations WHERE name = ?", migration.name) { _ in 1 }.isEmpty
                if done { return }
                try database.executeScript(migration.text(for: database.dialect))
                try database.execute(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                    migration.name, Int64(Date().timeIntervalSince1970)
                )
                logger.debug("applied migration", metadata: ["tel.db": "\(path)", "tel.migration": "\(migration.name)"])
            }
        }
    }
}
