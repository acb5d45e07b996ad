import Foundation
import TelefoniaCore

/// Time profiles and IVR menus, stored as JSON documents (one row each, keyed by
/// tenant and name): what a flow reads is always one whole object, validated by the
/// core's rules before it is written, and a document lets the shape grow without a
/// migration per field. Same rules as `MemoryStore`.
extension SQLiteStore: CallFlowStore {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    private static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError(.io, "stored \(type) does not decode: \(error)")
        }
    }

    private static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public func timeProfiles(tenantID: String) throws -> [TimeProfile] {
        try withDatabase {
            try $0.query("SELECT definition FROM time_profiles WHERE tenant_id = ? ORDER BY name", tenantID) { $0.text(0) }
        }.map { try Self.decode(TimeProfile.self, $0) }
    }

    public func timeProfile(tenantID: String, name: String) throws -> TimeProfile? {
        try withDatabase {
            try $0.query("SELECT definition FROM time_profiles WHERE tenant_id = ? AND name = ?", tenantID, name) { $0.text(0) }
        }.first.map { try Self.decode(TimeProfile.self, $0) }
    }

    public func save(_ profile: TimeProfile) throws {
        if let problem = profile.problem() { throw StoreError(.invalid, problem) }
        let definition = try Self.encode(profile)
        try write { database in
            if try database.query("SELECT 1 FROM tenants WHERE id = ?", profile.tenantID, row: { _ in 1 }).isEmpty {
                throw StoreError(.notFound, "unknown tenant \(profile.tenantID)")
            }
            try database.execute(
                "INSERT OR REPLACE INTO time_profiles (tenant_id, name, definition) VALUES (?, ?, ?)",
                profile.tenantID, profile.name, definition)
        }
    }

    @discardableResult
    public func removeTimeProfile(tenantID: String, name: String) throws -> TimeProfile {
        try write { database in
            guard let text = try database.query(
                "SELECT definition FROM time_profiles WHERE tenant_id = ? AND name = ?", tenantID, name, row: { $0.text(0) }
            ).first else {
                throw StoreError(.notFound, "tenant \(tenantID) has no time profile \(name)")
            }
            if let user = try ivrMenus(in: database, tenantID: tenantID).first(where: { $0.timeProfile == name }) {
                throw StoreError(.invalid, "IVR \(user.number) uses time profile \(name)")
            }
            try database.execute("DELETE FROM time_profiles WHERE tenant_id = ? AND name = ?", tenantID, name)
            return try Self.decode(TimeProfile.self, text)
        }
    }

    // MARK: - IVR menus

    func ivrMenus(in database: SQLiteDatabase, tenantID: String) throws -> [IVRMenu] {
        try database.query("SELECT definition FROM ivr_menus WHERE tenant_id = ?", tenantID) { $0.text(0) }
            .map { try Self.decode(IVRMenu.self, $0) }
            .sorted { IVRMenu.precedes($0, $1) }
    }

    public func ivrMenus(tenantID: String) throws -> [IVRMenu] {
        try withDatabase { try ivrMenus(in: $0, tenantID: tenantID) }
    }

    public func ivrMenu(tenantID: String, number: String) throws -> IVRMenu? {
        try withDatabase {
            try $0.query("SELECT definition FROM ivr_menus WHERE tenant_id = ? AND number = ?", tenantID, number) { $0.text(0) }
        }.first.map { try Self.decode(IVRMenu.self, $0) }
    }

    public func save(_ menu: IVRMenu) throws {
        let definition = try Self.encode(menu)
        try write { database in
            func exists(_ sql: String, _ key: String) throws -> Bool {
                try !database.query(sql, menu.tenantID, key, row: { _ in 1 }).isEmpty
            }
            if try database.query("SELECT 1 FROM tenants WHERE id = ?", menu.tenantID, row: { _ in 1 }).isEmpty {
                throw StoreError(.notFound, "unknown tenant \(menu.tenantID)")
            }
            if let problem = try CallFlowRules.problem(
                with: menu,
                menuExists: { try exists("SELECT 1 FROM ivr_menus WHERE tenant_id = ? AND number = ?", $0) },
                profileExists: { try exists("SELECT 1 FROM time_profiles WHERE tenant_id = ? AND name = ?", $0) },
                lineExists: { try exists("SELECT 1 FROM lines WHERE tenant_id = ? AND extension = ?", $0) },
                groupExists: { try exists("SELECT 1 FROM call_groups WHERE tenant_id = ? AND name = ?", $0) }) {
                throw StoreError(.invalid, problem)
            }
            try database.execute(
                "INSERT OR REPLACE INTO ivr_menus (tenant_id, number, definition) VALUES (?, ?, ?)",
                menu.tenantID, menu.number, definition)
        }
    }

    @discardableResult
    public func removeIVRMenu(tenantID: String, number: String) throws -> IVRMenu {
        try write { database in
            let menus = try ivrMenus(in: database, tenantID: tenantID)
            guard let menu = menus.first(where: { $0.number == number }) else {
                throw StoreError(.notFound, "tenant \(tenantID) has no IVR \(number)")
            }
            if let user = CallFlowRules.menu(leadingTo: number, among: menus) {
                throw StoreError(.invalid, "IVR \(user.number) leads to IVR \(number)")
            }
            if let did = try database.query(
                "SELECT number FROM dids WHERE tenant_id = ? AND route = ? ORDER BY number", tenantID,
                DIDRoute.ivr(number).description, row: { $0.text(0) }
            ).first {
                throw StoreError(.invalid, "DID \(did) is routed to IVR \(number)")
            }
            if let group = try callGroups(in: database, tenantID: tenantID).first(where: { $0.noAnswer == .menu(number) }) {
                throw StoreError(.invalid, "group \(group.name) overflows to IVR \(number)")
            }
            try database.execute("DELETE FROM ivr_menus WHERE tenant_id = ? AND number = ?", tenantID, number)
            return menu
        }
    }

    // MARK: - Call groups (L3)

    func callGroups(in database: SQLiteDatabase, tenantID: String) throws -> [CallGroup] {
        try database.query("SELECT definition FROM call_groups WHERE tenant_id = ? ORDER BY name", tenantID) { $0.text(0) }
            .map { try Self.decode(CallGroup.self, $0) }
    }

    public func callGroups(tenantID: String) throws -> [CallGroup] {
        try withDatabase { try callGroups(in: $0, tenantID: tenantID) }
    }

    public func callGroup(tenantID: String, name: String) throws -> CallGroup? {
        try withDatabase {
            try $0.query("SELECT definition FROM call_groups WHERE tenant_id = ? AND name = ?", tenantID, name) { $0.text(0) }
        }.first.map { try Self.decode(CallGroup.self, $0) }
    }

    public func save(_ group: CallGroup) throws {
        let definition = try Self.encode(group)
        try write { database in
            func exists(_ sql: String, _ key: String) throws -> Bool {
                try !database.query(sql, group.tenantID, key, row: { _ in 1 }).isEmpty
            }
            if try database.query("SELECT 1 FROM tenants WHERE id = ?", group.tenantID, row: { _ in 1 }).isEmpty {
                throw StoreError(.notFound, "unknown tenant \(group.tenantID)")
            }
            if let problem = try CallFlowRules.problem(
                with: group,
                lineExists: { try exists("SELECT 1 FROM lines WHERE tenant_id = ? AND extension = ?", $0) },
                groupExists: { try exists("SELECT 1 FROM call_groups WHERE tenant_id = ? AND name = ?", $0) },
                menuExists: { try exists("SELECT 1 FROM ivr_menus WHERE tenant_id = ? AND number = ?", $0) }) {
                throw StoreError(.invalid, problem)
            }
            try database.execute(
                "INSERT OR REPLACE INTO call_groups (tenant_id, name, definition) VALUES (?, ?, ?)",
                group.tenantID, group.name, definition)
        }
    }

    @discardableResult
    public func removeCallGroup(tenantID: String, name: String) throws -> CallGroup {
        try write { database in
            let groups = try callGroups(in: database, tenantID: tenantID)
            guard let group = groups.first(where: { $0.name == name }) else {
                throw StoreError(.notFound, "tenant \(tenantID) has no call group \(name)")
            }
            if let user = CallFlowRules.user(ofGroup: name, menus: try ivrMenus(in: database, tenantID: tenantID), groups: groups) {
                throw StoreError(.invalid, "\(user) leads to group \(name)")
            }
            if let did = try database.query(
                "SELECT number FROM dids WHERE tenant_id = ? AND route = ? ORDER BY number", tenantID,
                DIDRoute.group(name).description, row: { $0.text(0) }
            ).first {
                throw StoreError(.invalid, "DID \(did) is routed to group \(name)")
            }
            try database.execute("DELETE FROM call_groups WHERE tenant_id = ? AND name = ?", tenantID, name)
            return group
        }
    }

    // MARK: - Pickup groups (L4)

    func pickupGroups(in database: SQLiteDatabase, tenantID: String) throws -> [PickupGroup] {
        try database.query("SELECT definition FROM pickup_groups WHERE tenant_id = ? ORDER BY name", tenantID) { $0.text(0) }
            .map { try Self.decode(PickupGroup.self, $0) }
    }

    public func pickupGroups(tenantID: String) throws -> [PickupGroup] {
        try withDatabase { try pickupGroups(in: $0, tenantID: tenantID) }
    }

    public func save(_ group: PickupGroup) throws {
        if let problem = group.problem() { throw StoreError(.invalid, problem) }
        let definition = try Self.encode(group)
        try write { database in
            if try database.query("SELECT 1 FROM tenants WHERE id = ?", group.tenantID, row: { _ in 1 }).isEmpty {
                throw StoreError(.notFound, "unknown tenant \(group.tenantID)")
            }
            for ext in group.pickers + group.pickable where try database.query(
                "SELECT 1 FROM lines WHERE tenant_id = ? AND extension = ?", group.tenantID, ext, row: { _ in 1 }
            ).isEmpty {
                throw StoreError(.invalid, "tenant \(group.tenantID) has no line \(ext)")
            }
            try database.execute(
                "INSERT OR REPLACE INTO pickup_groups (tenant_id, name, definition) VALUES (?, ?, ?)",
                group.tenantID, group.name, definition)
        }
    }

    @discardableResult
    public func removePickupGroup(tenantID: String, name: String) throws -> PickupGroup {
        try write { database in
            guard let group = try pickupGroups(in: database, tenantID: tenantID).first(where: { $0.name == name }) else {
                throw StoreError(.notFound, "tenant \(tenantID) has no pickup group \(name)")
            }
            try database.execute("DELETE FROM pickup_groups WHERE tenant_id = ? AND name = ?", tenantID, name)
            return group
        }
    }

    // MARK: - Line features (T1)

    public func lineFeatures(tenantID: String, extensionNumber: String) throws -> LineFeatures {
        try withDatabase {
            try $0.query("SELECT definition FROM line_features WHERE tenant_id = ? AND extension = ?", tenantID, extensionNumber) {
                $0.text(0)
            }
        }.first.map { try Self.decode(LineFeatures.self, $0) } ?? LineFeatures(tenantID: tenantID, extensionNumber: extensionNumber)
    }

    public func save(_ features: LineFeatures) throws {
        if let problem = CallFlowRules.problem(with: features) { throw StoreError(.invalid, problem) }
        let definition = try Self.encode(features)
        try write { database in
            if try database.query(
                "SELECT 1 FROM lines WHERE tenant_id = ? AND extension = ?", features.tenantID, features.extensionNumber, row: { _ in 1 }
            ).isEmpty {
                throw StoreError(.notFound, "tenant \(features.tenantID) has no line \(features.extensionNumber)")
            }
            if features.isDefault {
                try database.execute("DELETE FROM line_features WHERE tenant_id = ? AND extension = ?",
                                     features.tenantID, features.extensionNumber)
            } else {
                try database.execute(
                    "INSERT OR REPLACE INTO line_features (tenant_id, extension, definition) VALUES (?, ?, ?)",
                    features.tenantID, features.extensionNumber, definition)
            }
        }
    }

    // MARK: - IVR visits (R3, R4)

    public func record(_ visit: IVRVisit) throws {
        let path = try Self.encode(visit.path)
        try write { database in
            try database.execute(
                """
                INSERT OR REPLACE INTO ivr_visits (call_id, tenant_id, menu, caller, started_at, ended_at, path, exit,
                    survey_score, survey_menu)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                visit.callID, visit.tenantID, visit.menu, visit.caller, visit.startedAt, visit.endedAt, path, visit.exit,
                visit.surveyScore.map(Int64.init), visit.surveyMenu)
        }
    }

    public func ivrVisits(tenantID: String, from: Int64?, to: Int64?, menu: String?) throws -> [IVRVisit] {
        let rows = try withDatabase { database in
            try database.query(
                """
                SELECT call_id, tenant_id, menu, caller, started_at, ended_at, path, exit, survey_score, survey_menu
                FROM ivr_visits WHERE tenant_id = ? AND started_at >= ? AND started_at < ?
                ORDER BY started_at, call_id
                """,
                tenantID, from ?? Int64.min, to ?? Int64.max
            ) { row in
                (IVRVisit(callID: row.text(0), tenantID: row.text(1), menu: row.text(2), caller: row.text(3),
                          startedAt: row.int64(4), endedAt: row.int64(5), path: [], exit: row.text(7),
                          surveyScore: row.optionalInt64(8).map(Int.init), surveyMenu: row.optionalText(9)),
                 row.text(6))
            }
        }
        return try rows.compactMap { visit, path in
            var visit = visit
            visit.path = try Self.decode([IVRStep].self, path)
            guard let menu else { return visit }
            return visit.menu == menu || visit.path.contains { $0.menu == menu } ? visit : nil
        }
    }
}

extension SQLiteStore {
    /// Call flows (issue 9): time profiles, IVR menus.
    static let callFlowMigrations: [SQLiteMigration] = [
        SQLiteMigration(
            name: "600-time-profiles",
            sql: """
                CREATE TABLE time_profiles (
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    definition TEXT NOT NULL,
                    PRIMARY KEY (tenant_id, name)
                );
                """
        ),
        SQLiteMigration(
            name: "601-ivr-menus",
            sql: """
                CREATE TABLE ivr_menus (
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    number TEXT NOT NULL,
                    definition TEXT NOT NULL,
                    PRIMARY KEY (tenant_id, number)
                );
                """
        ),
        SQLiteMigration(
            name: "602-did-route",
            sql: "ALTER TABLE dids ADD COLUMN route TEXT;"
        ),
        SQLiteMigration(
            name: "603-ivr-visits",
            sql: """
                CREATE TABLE ivr_visits (
                    call_id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL,
                    menu TEXT NOT NULL,
                    caller TEXT NOT NULL,
                    started_at INTEGER NOT NULL,
                    ended_at INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    exit TEXT NOT NULL,
                    survey_score INTEGER,
                    survey_menu TEXT
                );
                CREATE INDEX ivr_visits_tenant_time ON ivr_visits (tenant_id, started_at);
                """
        ),
        SQLiteMigration(
            name: "604-call-groups",
            sql: """
                CREATE TABLE call_groups (
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    definition TEXT NOT NULL,
                    PRIMARY KEY (tenant_id, name)
                );
                """
        ),
        SQLiteMigration(
            name: "605-line-features",
            sql: """
                CREATE TABLE line_features (
                    tenant_id TEXT NOT NULL,
                    extension TEXT NOT NULL,
                    definition TEXT NOT NULL,
                    PRIMARY KEY (tenant_id, extension),
                    FOREIGN KEY (tenant_id, extension) REFERENCES lines (tenant_id, extension) ON DELETE CASCADE
                );
                """
        ),
        SQLiteMigration(
            name: "606-pickup-groups",
            sql: """
                CREATE TABLE pickup_groups (
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    definition TEXT NOT NULL,
                    PRIMARY KEY (tenant_id, name)
                );
                """
        ),
    ]
}
