import TelefoniaCore

extension DocumentTable {
    static let campaigns = DocumentTable(name: "campaigns", key: "name")
}

/// Campaigns (C1) as documents, mailings as rows (claimed with one conditional UPDATE,
/// so two dialers never take the same number); the rules of `CampaignStore`.
extension SQLStore: CampaignStore {
    public func campaigns(tenantID: String) throws -> [Campaign] {
        try withDatabase { try $0.documents(Campaign.self, in: .campaigns, tenantID: tenantID) }
    }

    public func campaign(tenantID: String, name: String) throws -> Campaign? {
        try withDatabase { try $0.document(Campaign.self, in: .campaigns, tenantID: tenantID, key: name) }
    }

    public func save(_ campaign: Campaign) throws {
        try write { database in
            try database.requireTenant(campaign.tenantID)
            let tenant = campaign.tenantID
            if let problem = try CallFlowRules.problem(
                with: campaign, lineExists: { try database.hasLine(tenantID: tenant, extensionNumber: $0) },
                queueExists: { try database.hasDocument(in: .callQueues, tenantID: tenant, key: $0) },
                menuExists: { try database.hasDocument(in: .ivrMenus, tenantID: tenant, key: $0) },
                profileExists: { try database.hasDocument(in: .timeProfiles, tenantID: tenant, key: $0) }) {
                throw StoreError(.invalid, problem)
            }
            try database.put(campaign, in: .campaigns, tenantID: tenant, key: campaign.name)
        }
    }

    @discardableResult
    public func removeCampaign(tenantID: String, name: String) throws -> Campaign {
        try write { database in
            guard let campaign = try database.document(Campaign.self, in: .campaigns, tenantID: tenantID, key: name) else {
                throw StoreError(.notFound, "tenant \(tenantID) has no campaign \(name)")
            }
            guard campaign.state != .running else { throw StoreError(.invalid, "campaign \(name) is running; pause or cancel it first") }
            _ = try database.execute("DELETE FROM campaign_numbers WHERE tenant_id = ? AND campaign = ?", tenantID, name)
            try database.deleteDocument(in: .campaigns, tenantID: tenantID, key: name)
            return campaign
        }
    }

    public func replaceMailing(tenantID: String, campaign name: String, numbers: [(row: Int, number: String)]) throws {
        try write { database in
            guard let campaign = try database.document(Campaign.self, in: .campaigns, tenantID: tenantID, key: name) else {
                throw StoreError(.notFound, "tenant \(tenantID) has no campaign \(name)")
            }
            guard campaign.state == .draft || campaign.state == .paused else {
                throw StoreError(.invalid, "campaign \(name) is \(campaign.state.rawValue); its mailing can change while it is a draft or paused")
            }
            _ = try database.execute("DELETE FROM campaign_numbers WHERE tenant_id = ? AND campaign = ?", tenantID, name)
            for (row, number) in numbers {
                _ = try database.execute(
                    "INSERT INTO campaign_numbers (tenant_id, campaign, row, number, status, attempts, digits) VALUES (?, ?, ?, ?, 'pending', 0, '')",
                    tenantID, name, Int64(row), number)
            }
        }
    }

    public func mailing(tenantID: String, campaign: String) throws -> [CampaignNumber] {
        try numbers(where: "tenant_id = ? AND campaign = ?", [tenantID, campaign])
    }

    public func claim(tenantID: String, campaign: String, row: Int) throws -> CampaignNumber? {
        try write { database in
            let changed = try database.execute(
                "UPDATE campaign_numbers SET status = 'dialing', attempts = attempts + 1 WHERE tenant_id = ? AND campaign = ? AND row = ? AND status = 'pending'",
                tenantID, campaign, Int64(row))
            guard changed == 1 else { return nil }
            return try Self.numbers(in: database, where: "tenant_id = ? AND campaign = ? AND row = ?", [tenantID, campaign, Int64(row)]).first
        }
    }

    public func update(_ number: CampaignNumber) throws {
        try write { database in
            _ = try database.execute(
                """
                UPDATE campaign_numbers SET status = ?, attempts = ?, next_attempt_at = ?, result = ?, digits = ?
                WHERE tenant_id = ? AND campaign = ? AND row = ?
                """,
                number.status.rawValue, Int64(number.attempts), number.nextAttemptAt, number.result, number.digits.joined(separator: ","),
                number.tenantID, number.campaign, Int64(number.row))
        }
    }

    public func runningCampaigns() throws -> [Campaign] {
        let tenants = try tenants().map(\.id)
        return try tenants.flatMap { try campaigns(tenantID: $0).filter { $0.state == .running } }
    }

    private func numbers(where condition: String, _ values: [any SQLBindable]) throws -> [CampaignNumber] {
        try withDatabase { try Self.numbers(in: $0, where: condition, values) }
    }

    private static func numbers(in database: any SQLDatabase, where condition: String, _ values: [any SQLBindable]) throws -> [CampaignNumber] {
        try database.query(
            "SELECT tenant_id, campaign, row, number, status, attempts, next_attempt_at, result, digits FROM campaign_numbers WHERE \(condition) ORDER BY row",
            values: values
        ) { row in
            let digits = row.text(8)
            return CampaignNumber(
                tenantID: row.text(0), campaign: row.text(1), row: Int(row.int64(2)), number: row.text(3),
                status: CampaignNumber.Status(rawValue: row.text(4)) ?? .done, attempts: Int(row.int64(5)),
                nextAttemptAt: row.optionalInt64(6), result: row.optionalText(7),
                digits: digits.isEmpty ? [] : digits.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
        }
    }
}

extension SQLStore {
    /// Campaigns (issue 10, C1).
    static let campaignMigrations: [SQLMigration] = [
        SQLMigration(
            // Campaigns pace below the trunk's channels; every call through it counts.
            name: "709-trunk-max-calls",
            sql: "ALTER TABLE trunks ADD COLUMN max_calls INTEGER;"
        ),
        SQLMigration(
            name: "710-campaigns",
            sql: """
                CREATE TABLE campaigns (
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    definition TEXT NOT NULL,
                    PRIMARY KEY (tenant_id, name)
                );
                CREATE TABLE campaign_numbers (
                    tenant_id TEXT NOT NULL,
                    campaign TEXT NOT NULL,
                    row INTEGER NOT NULL,
                    number TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at INTEGER,
                    result TEXT,
                    digits TEXT NOT NULL,
                    PRIMARY KEY (tenant_id, campaign, row)
                );
                """
        ),
        SQLMigration(
            // P6 general settings (listening line, web-phone line), one document per tenant.
            name: "711-tenant-settings",
            sql: """
                CREATE TABLE tenant_settings (
                    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    definition TEXT NOT NULL,
                    PRIMARY KEY (tenant_id, name)
                );
                """
        ),
    ]
}

extension DocumentTable {
    static let tenantSettings = DocumentTable(name: "tenant_settings", key: "name")
}

/// General settings (P6) as one document per tenant; the rules of `SettingsStore`.
extension SQLStore: SettingsStore {
    public func tenantSettings(tenantID: String) throws -> TenantSettings {
        try withDatabase { try $0.document(TenantSettings.self, in: .tenantSettings, tenantID: tenantID, key: "general") }
            ?? TenantSettings(tenantID: tenantID)
    }

    public func save(_ settings: TenantSettings) throws {
        try write { database in
            try database.requireTenant(settings.tenantID)
            if let problem = try settings.problem(lineExists: { try database.hasLine(tenantID: settings.tenantID, extensionNumber: $0) }) {
                throw StoreError(.invalid, problem)
            }
            try database.put(settings, in: .tenantSettings, tenantID: settings.tenantID, key: "general")
        }
    }
}
