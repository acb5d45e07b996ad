import Foundation
import TelefoniaCore

/// A table of JSON documents, one row per object keyed by tenant and one column: what
/// a call flow reads is always one whole object, validated by the core's rules
/// (`CallFlowRules`) before it is written, and a document lets the shape grow without
/// a migration per field. Nothing queries inside them.
struct DocumentTable: Sendable {
    let name: String
    let key: String

    static let timeProfiles = DocumentTable(name: "time_profiles", key: "name")
    static let ivrMenus = DocumentTable(name: "ivr_menus", key: "number")
    static let callGroups = DocumentTable(name: "call_groups", key: "name")
    static let pickupGroups = DocumentTable(name: "pickup_groups", key: "name")
    static let lineFeatures = DocumentTable(name: "line_features", key: "extension")
    static let callQueues = DocumentTable(name: "call_queues", key: "name")
}

extension SQLStore {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError(.io, "stored \(type) does not decode: \(error)")
        }
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

extension SQLDatabase {
    /// A tenant's documents of `table`, by key.
    func documents<T: Decodable>(_ type: T.Type, in table: DocumentTable, tenantID: String) throws -> [T] {
        try query("SELECT definition FROM \(table.name) WHERE tenant_id = ? ORDER BY \(table.key)", tenantID) { $0.text(0) }
            .map { try SQLStore.decode(type, $0) }
    }

    func document<T: Decodable>(_ type: T.Type, in table: DocumentTable, tenantID: String, key: String) throws -> T? {
        try query("SELECT definition FROM \(table.name) WHERE tenant_id = ? AND \(table.key) = ?", tenantID, key) { $0.text(0) }
            .first.map { try SQLStore.decode(type, $0) }
    }

    func hasDocument(in table: DocumentTable, tenantID: String, key: String) throws -> Bool {
        try !query("SELECT 1 FROM \(table.name) WHERE tenant_id = ? AND \(table.key) = ?", tenantID, key, row: { _ in 1 }).isEmpty
    }

    func put<T: Encodable>(_ value: T, in table: DocumentTable, tenantID: String, key: String) throws {
        let definition = try SQLStore.encode(value)
        try execute(
            """
            INSERT INTO \(table.name) (tenant_id, \(table.key), definition) VALUES (?, ?, ?)
            ON CONFLICT (tenant_id, \(table.key)) DO UPDATE SET definition = excluded.definition
            """,
            tenantID, key, definition)
    }

    func deleteDocument(in table: DocumentTable, tenantID: String, key: String) throws {
        try execute("DELETE FROM \(table.name) WHERE tenant_id = ? AND \(table.key) = ?", tenantID, key)
    }

    /// `notFound` unless tenant `id` exists.
    func requireTenant(_ id: String) throws {
        if try query("SELECT 1 FROM tenants WHERE id = ?", id, row: { _ in 1 }).isEmpty {
            throw StoreError(.notFound, "unknown tenant \(id)")
        }
    }

    func hasLine(tenantID: String, extensionNumber: String) throws -> Bool {
        try !query("SELECT 1 FROM lines WHERE tenant_id = ? AND extension = ?", tenantID, extensionNumber, row: { _ in 1 }).isEmpty
    }

    /// The first DID of the tenant routed to `route`, if any.
    func did(routedTo route: DIDRoute, tenantID: String) throws -> String? {
        try query("SELECT number FROM dids WHERE tenant_id = ? AND route = ? ORDER BY number", tenantID, route.description) {
            $0.text(0)
        }.first
    }
}

/// Time profiles, IVR menus, call groups, pickup groups and line features as
/// documents; IVR visits as rows. Same rules as `MemoryStore`.
extension SQLStore: CallFlowStore {
    // MARK: - Time profiles (P7)

    public func timeProfiles(tenantID: String) throws -> [TimeProfile] {
        try withDatabase { try $0.documents(TimeProfile.self, in: .timeProfiles, tenantID: tenantID) }
    }

    public func timeProfile(tenantID: String, name: String) throws -> TimeProfile? {
        try withDatabase { try $0.document(TimeProfile.self, in: .timeProfiles, tenantID: tenantID, key: name) }
    }

    public func save(_ profile: TimeProfile) throws {
        if let problem = profile.problem() { throw StoreError(.invalid, problem) }
        try write { database in
            try database.requireTenant(profile.tenantID)
            try database.put(profile, in: .timeProfiles, tenantID: profile.tenantID, key: profile.name)
        }
    }

    @discardableResult
    public func removeTimeProfile(tenantID: String, name: String) throws -> TimeProfile {
        try write { database in
            guard let profile = try database.document(TimeProfile.self, in: .timeProfiles, tenantID: tenantID, key: name) else {
                throw StoreError(.notFound, "tenant \(tenantID) has no time profile \(name)")
            }
            if let user = try ivrMenus(in: database, tenantID: tenantID).first(where: { $0.timeProfile == name }) {
                throw StoreError(.invalid, "IVR \(user.number) uses time profile \(name)")
            }
            try database.deleteDocument(in: .timeProfiles, tenantID: tenantID, key: name)
            return profile
        }
    }

    // MARK: - IVR menus (L5)

    func ivrMenus(in database: any SQLDatabase, tenantID: String) throws -> [IVRMenu] {
        try database.documents(IVRMenu.self, in: .ivrMenus, tenantID: tenantID).sorted { IVRMenu.precedes($0, $1) }
    }

    public func ivrMenus(tenantID: String) throws -> [IVRMenu] {
        try withDatabase { try ivrMenus(in: $0, tenantID: tenantID) }
    }

    public func ivrMenu(tenantID: String, number: String) throws -> IVRMenu? {
        try withDatabase { try $0.document(IVRMenu.self, in: .ivrMenus, tenantID: tenantID, key: number) }
    }

    public func save(_ menu: IVRMenu) throws {
        try write { database in
            try database.requireTenant(menu.tenantID)
            let tenant = menu.tenantID
            if let problem = try CallFlowRules.problem(
                with: menu,
                menuExists: { try database.hasDocument(in: .ivrMenus, tenantID: tenant, key: $0) },
                profileExists: { try database.hasDocument(in: .timeProfiles, tenantID: tenant, key: $0) },
                lineExists: { try database.hasLine(tenantID: tenant, extensionNumber: $0) },
                groupExists: { try database.hasDocument(in: .callGroups, tenantID: tenant, key: $0) },
                queueExists: { try database.hasDocument(in: .callQueues, tenantID: tenant, key: $0) }) {
                throw StoreError(.invalid, problem)
            }
            try database.put(menu, in: .ivrMenus, tenantID: tenant, key: menu.number)
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
            if let did = try database.did(routedTo: .ivr(number), tenantID: tenantID) {
                throw StoreError(.invalid, "DID \(did) is routed to IVR \(number)")
            }
            if let group = try callGroups(in: database, tenantID: tenantID).first(where: { $0.noAnswer == .menu(number) }) {
                throw StoreError(.invalid, "group \(group.name) overflows to IVR \(number)")
            }
            try database.deleteDocument(in: .ivrMenus, tenantID: tenantID, key: number)
            return menu
        }
    }

    // MARK: - Call groups (L3)

    func callGroups(in database: any SQLDatabase, tenantID: String) throws -> [CallGroup] {
        try database.documents(CallGroup.self, in: .callGroups, tenantID: tenantID)
    }

    public func callGroups(tenantID: String) throws -> [CallGroup] {
        try withDatabase { try callGroups(in: $0, tenantID: tenantID) }
    }

    public func callGroup(tenantID: String, name: String) throws -> CallGroup? {
        try withDatabase { try $0.document(CallGroup.self, in: .callGroups, tenantID: tenantID, key: name) }
    }

    public func save(_ group: CallGroup) throws {
        try write { database in
            try database.requireTenant(group.tenantID)
            let tenant = group.tenantID
            if let problem = try CallFlowRules.problem(
                with: group,
                lineExists: { try database.hasLine(tenantID: tenant, extensionNumber: $0) },
                groupExists: { try database.hasDocument(in: .callGroups, tenantID: tenant, key: $0) },
                menuExists: { try database.hasDocument(in: .ivrMenus, tenantID: tenant, key: $0) },
                queueExists: { try database.hasDocument(in: .callQueues, tenantID: tenant, key: $0) }) {
                throw StoreError(.invalid, problem)
            }
            try database.put(group, in: .callGroups, tenantID: tenant, key: group.name)
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
            if let did = try database.did(routedTo: .group(name), tenantID: tenantID) {
                throw StoreError(.invalid, "DID \(did) is routed to group \(name)")
            }
            try database.deleteDocument(in: .callGroups, tenantID: tenantID, key: name)
            return group
        }
    }

    // MARK: - Pickup groups (L4)

    func pickupGroups(in database: any SQLDatabase, tenantID: String) throws -> [PickupGroup] {
        try database.documents(PickupGroup.self, in: .pickupGroups, tenantID: tenantID)
    }

    public func pickupGroups(tenantID: String) throws -> [PickupGroup] {
        try withDatabase { try pickupGroups(in: $0, tenantID: tenantID) }
    }

    public func save(_ group: PickupGroup) throws {
        if let problem = group.problem() { throw StoreError(.invalid, problem) }
        try write { database in
            try database.requireTenant(group.tenantID)
            for ext in group.pickers + group.pickable where try !database.hasLine(tenantID: group.tenantID, extensionNumber: ext) {
                throw StoreError(.invalid, "tenant \(group.tenantID) has no line \(ext)")
            }
            try database.put(group, in: .pickupGroups, tenantID: group.tenantID, key: group.name)
        }
    }

    @discardableResult
    public func removePickupGroup(tenantID: String, name: String) throws -> PickupGroup {
        try write { database in
            guard let group = try database.document(PickupGroup.self, in: .pickupGroups, tenantID: tenantID, key: name) else {
                throw StoreError(.notFound, "tenant \(tenantID) has no pickup group \(name)")
            }
            try database.deleteDocument(in: .pickupGroups, tenantID: tenantID, key: name)
            return group
        }
    }

    // MARK: - Line features (T1)

    public func lineFeatures(tenantID: String, extensionNumber: String) throws -> LineFeatures {
        try withDatabase { try $0.document(LineFeatures.self, in: .lineFeatures, tenantID: tenantID, key: extensionNumber) }
            ?? LineFeatures(tenantID: tenantID, extensionNumber: extensionNumber)
    }

    public func save(_ features: LineFeatures) throws {
        if let problem = CallFlowRules.problem(with: features) { throw StoreError(.invalid, problem) }
        try write { database in
            let (tenant, ext) = (features.tenantID, features.extensionNumber)
            guard try database.hasLine(tenantID: tenant, extensionNumber: ext) else {
                throw StoreError(.notFound, "tenant \(tenant) has no line \(ext)")
            }
            if features.isDefault {
                try database.deleteDocument(in: .lineFeatures, tenantID: tenant, key: ext)
            } else {
                try database.put(features, in: .lineFeatures, tenantID: tenant, key: ext)
            }
        }
    }

    // MARK: - Voicemail rows (T5)

    public func voicemailMessages(tenantID: String, extensionNumber: String) throws -> [VoicemailMessage] {
        try withDatabase {
            try $0.query(
                """
                SELECT id, tenant_id, extension, caller, received_at, seconds, is_new FROM voicemail_messages
                WHERE tenant_id = ? AND extension = ? ORDER BY is_new DESC, received_at, id
                """, tenantID, extensionNumber
            ) { row in
                VoicemailMessage(id: row.text(0), tenantID: row.text(1), extensionNumber: row.text(2), caller: row.text(3),
                                 receivedAt: row.int64(4), seconds: Double(row.int64(5)) / 1000, isNew: row.int64(6) != 0)
            }
        }
    }

    public func save(_ message: VoicemailMessage) throws {
        try write { database in
            guard try database.hasLine(tenantID: message.tenantID, extensionNumber: message.extensionNumber) else {
                throw StoreError(.notFound, "tenant \(message.tenantID) has no line \(message.extensionNumber)")
            }
            try database.execute(
                """
                INSERT INTO voicemail_messages (id, tenant_id, extension, caller, received_at, seconds, is_new)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, extension = excluded.extension,
                    caller = excluded.caller, received_at = excluded.received_at, seconds = excluded.seconds, is_new = excluded.is_new
                """,
                message.id, message.tenantID, message.extensionNumber, message.caller, message.receivedAt,
                Int64((message.seconds * 1000).rounded()), Int64(message.isNew ? 1 : 0))
        }
    }

    public func removeVoicemailMessage(id: String) throws {
        let removed = try withDatabase { try $0.execute("DELETE FROM voicemail_messages WHERE id = ?", id) }
        if removed == 0 { throw StoreError(.notFound, "no voicemail message \(id)") }
    }

    public func removeVoicemailMessages(receivedBefore before: Int64) throws -> [VoicemailMessage] {
        try write { database in
            let old = try database.query(
                "SELECT id, tenant_id, extension, caller, received_at, seconds, is_new FROM voicemail_messages WHERE received_at < ? ORDER BY id",
                before
            ) { row in
                VoicemailMessage(id: row.text(0), tenantID: row.text(1), extensionNumber: row.text(2), caller: row.text(3),
                                 receivedAt: row.int64(4), seconds: Double(row.int64(5)) / 1000, isNew: row.int64(6) != 0)
            }
            try database.execute("DELETE FROM voicemail_messages WHERE received_at < ?", before)
            return old
        }
    }

    // MARK: - IVR visits (R3, R4)

    public func record(_ visit: IVRVisit) throws {
        let path = try SQLStore.encode(visit.path)
        try write { database in
            try database.execute(
                """
                INSERT INTO ivr_visits (call_id, tenant_id, menu, caller, started_at, ended_at, path, exit,
                    survey_score, survey_menu)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (call_id) DO UPDATE SET tenant_id = excluded.tenant_id, menu = excluded.menu,
                    caller = excluded.caller, started_at = excluded.started_at, ended_at = excluded.ended_at,
                    path = excluded.path, exit = excluded.exit, survey_score = excluded.survey_score,
                    survey_menu = excluded.survey_menu
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
            visit.path = try SQLStore.decode([IVRStep].self, path)
            guard let menu else { return visit }
            return visit.menu == menu || visit.path.contains { $0.menu == menu } ? visit : nil
        }
    }
}

extension SQLStore {
    /// Call flows (issue 9): time profiles, IVR menus.
    static let callFlowMigrations: [SQLMigration] = [
        SQLMigration(
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
        SQLMigration(
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
        SQLMigration(
            name: "602-did-route",
            sql: "ALTER TABLE dids ADD COLUMN route TEXT;"
        ),
        SQLMigration(
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
        SQLMigration(
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
        SQLMigration(
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
        SQLMigration(
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
        SQLMigration(
            name: "607-voicemail-messages",
            sql: """
                CREATE TABLE voicemail_messages (
                    id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL,
                    extension TEXT NOT NULL,
                    caller TEXT NOT NULL,
                    received_at INTEGER NOT NULL,
                    seconds INTEGER NOT NULL,
                    is_new INTEGER NOT NULL,
                    FOREIGN KEY (tenant_id, extension) REFERENCES lines (tenant_id, extension) ON DELETE CASCADE
                );
                CREATE INDEX voicemail_line ON voicemail_messages (tenant_id, extension);
                """
        ),
    ]
}
