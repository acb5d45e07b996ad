import TelefoniaCore

/// Panel users, sessions (token hashes only) and the audit log; the rules of `PanelStore`.
extension SQLStore: PanelStore {
    private static let userColumns = "username, tenant_id, role, permissions, password_hash, disabled, created_at"

    private static func user(_ row: SQLRow) -> PanelUser {
        PanelUser(username: row.text(0), tenantID: row.optionalText(1), role: PanelUser.Role(rawValue: row.text(2)) ?? .user,
                  permissions: PanelPermissions(text: row.text(3)) ?? PanelPermissions(), passwordHash: row.text(4),
                  disabled: row.int64(5) != 0, createdAt: row.int64(6))
    }

    public func panelUser(username: String) throws -> PanelUser? {
        try withDatabase { try $0.query("SELECT \(Self.userColumns) FROM panel_users WHERE username = ?", username, row: Self.user).first }
    }

    public func panelUsers(tenantID: String?) throws -> [PanelUser] {
        try withDatabase { database in
            if let tenantID {
                return try database.query("SELECT \(Self.userColumns) FROM panel_users WHERE tenant_id = ? ORDER BY username", tenantID, row: Self.user)
            }
            return try database.query("SELECT \(Self.userColumns) FROM panel_users WHERE tenant_id IS NULL ORDER BY username", row: Self.user)
        }
    }

    public func save(_ user: PanelUser) throws {
        try write { database in
            if let problem = user.problem() { throw StoreError(.invalid, problem) }
            if let tenant = user.tenantID { try database.requireTenant(tenant) }
            try database.execute(
                """
                INSERT INTO panel_users (\(Self.userColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (username) DO UPDATE SET tenant_id = excluded.tenant_id, role = excluded.role,
                    permissions = excluded.permissions, password_hash = excluded.password_hash, disabled = excluded.disabled
                """,
                user.username, user.tenantID, user.role.rawValue, user.permissions.text, user.passwordHash, Int64(user.disabled ? 1 : 0),
                user.createdAt)
        }
    }

    public func removePanelUser(username: String) throws {
        try write { database in
            _ = try database.execute("DELETE FROM panel_sessions WHERE username = ?", username)
            if try database.execute("DELETE FROM panel_users WHERE username = ?", username) == 0 {
                throw StoreError(.notFound, "no panel user \(username)")
            }
        }
    }

    public func panelUserCount() throws -> Int {
        try withDatabase { try $0.query("SELECT COUNT(*) FROM panel_users") { Int($0.int64(0)) }.first ?? 0 }
    }

    public func save(_ session: PanelSession) throws {
        try write { database in
            try database.execute(
                """
                INSERT INTO panel_sessions (token_hash, username, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (token_hash) DO UPDATE SET username = excluded.username, csrf = excluded.csrf,
                    created_at = excluded.created_at, expires_at = excluded.expires_at
                """,
                session.tokenHash, session.username, session.csrf, session.createdAt, session.expiresAt)
            // Expired sessions go as new ones come.
            _ = try database.execute("DELETE FROM panel_sessions WHERE expires_at <= ?", session.createdAt)
        }
    }

    public func panelSession(tokenHash: String, now: Int64) throws -> PanelSession? {
        try withDatabase {
            try $0.query("SELECT token_hash, username, csrf, created_at, expires_at FROM panel_sessions WHERE token_hash = ? AND expires_at > ?",
                         tokenHash, now) { row in
                PanelSession(tokenHash: row.text(0), username: row.text(1), csrf: row.text(2), createdAt: row.int64(3), expiresAt: row.int64(4))
            }.first
        }
    }

    public func removePanelSession(tokenHash: String) throws {
        try write { _ = try $0.execute("DELETE FROM panel_sessions WHERE token_hash = ?", tokenHash) }
    }

    public func removePanelSessions(username: String) throws {
        try write { _ = try $0.execute("DELETE FROM panel_sessions WHERE username = ?", username) }
    }

    @discardableResult
    public func append(_ entry: AuditEntry) throws -> AuditEntry {
        try write { database in
            var numbered = entry
            numbered.id = try database.query(
                """
                INSERT INTO audit_log (at, tenant_id, "user", action, object, source_ip, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                RETURNING id
                """,
                entry.at, entry.tenantID, entry.user, entry.action, entry.object, entry.sourceIP, entry.outcome.rawValue, entry.detail
            ) { $0.int64(0) }.first ?? 0
            return numbered
        }
    }

    public func purgeAudit(olderThan cutoff: Int64) throws -> Int {
        try write { database in try database.execute("DELETE FROM audit_log WHERE at < ?", cutoff) }
    }

    public func audit(tenantID: String?, user: String?, action: String?, since: Int64?, until: Int64?, limit: Int, offset: Int) throws -> [AuditEntry] {
        var conditions: [String] = []
        var values: [any SQLBindable] = []
        if let tenantID { conditions.append("tenant_id = ?"); values.append(tenantID) }
        if let user { conditions.append("\"user\" = ?"); values.append(user) }
        if let action { conditions.append("action = ?"); values.append(action) }
        if let since { conditions.append("at >= ?"); values.append(since) }
        if let until { conditions.append("at < ?"); values.append(until) }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        values.append(Int64(max(0, limit)))
        values.append(Int64(max(0, offset)))
        return try withDatabase { database in
            try database.query(
                "SELECT id, at, tenant_id, \"user\", action, object, source_ip, outcome, detail FROM audit_log \(filter) ORDER BY id DESC LIMIT ? OFFSET ?",
                values: values
            ) { row in
                AuditEntry(id: row.int64(0), at: row.int64(1), tenantID: row.optionalText(2), user: row.text(3), action: row.text(4),
                           object: row.text(5), sourceIP: row.text(6), outcome: AuditEntry.Outcome(rawValue: row.text(7)) ?? .failed,
                           detail: row.text(8))
            }
        }
    }

    /// The panel (issue 11).
    static let panelMigrations: [SQLMigration] = [
        SQLMigration(
            // No foreign key to tenants for the audit log: it outlives what it names, like CDRs.
            name: "800-panel",
            sql: """
                CREATE TABLE panel_users (
                    username TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT REFERENCES tenants (id) ON DELETE CASCADE,
                    role TEXT NOT NULL,
                    permissions TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    disabled INTEGER NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE panel_sessions (
                    token_hash TEXT PRIMARY KEY NOT NULL,
                    username TEXT NOT NULL,
                    csrf TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL
                );
                CREATE INDEX panel_sessions_user ON panel_sessions (username);
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    tenant_id TEXT,
                    user TEXT NOT NULL,
                    action TEXT NOT NULL,
                    object TEXT NOT NULL,
                    source_ip TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);
                """
        ),
    ]
}
