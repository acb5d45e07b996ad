/// Campaigns (C1) in memory; the rules of `CampaignStore`.
extension MemoryStore: CampaignStore {
    public func campaigns(tenantID: String) throws -> [Campaign] {
        withState { state in (state.campaigns[tenantID] ?? [:]).values.sorted { $0.name < $1.name } }
    }

    public func campaign(tenantID: String, name: String) throws -> Campaign? {
        withState { $0.campaigns[tenantID]?[name] }
    }

    public func save(_ campaign: Campaign) throws {
        try withState { state in
            let tenant = campaign.tenantID
            guard state.tenants[tenant] != nil else { throw StoreError(.notFound, "unknown tenant \(tenant)") }
            if let problem = CallFlowRules.problem(
                with: campaign, lineExists: { state.lines[LineKey(tenantID: tenant, extensionNumber: $0)] != nil },
                queueExists: { state.callQueues[tenant]?[$0] != nil }, menuExists: { state.ivrMenus[tenant]?[$0] != nil },
                profileExists: { state.timeProfiles[tenant]?[$0] != nil }) {
                throw StoreError(.invalid, problem)
            }
            state.campaigns[tenant, default: [:]][campaign.name] = campaign
        }
    }

    @discardableResult
    public func removeCampaign(tenantID: String, name: String) throws -> Campaign {
        try withState { state in
            guard let campaign = state.campaigns[tenantID]?[name] else {
                throw StoreError(.notFound, "tenant \(tenantID) has no campaign \(name)")
            }
            guard campaign.state != .running else { throw StoreError(.invalid, "campaign \(name) is running; pause or cancel it first") }
            state.campaigns[tenantID]?[name] = nil
            state.mailings[tenantID + "/" + name] = nil
            return campaign
        }
    }

    public func replaceMailing(tenantID: String, campaign name: String, numbers: [(row: Int, number: String)]) throws {
        try withState { state in
            guard let campaign = state.campaigns[tenantID]?[name] else {
                throw StoreError(.notFound, "tenant \(tenantID) has no campaign \(name)")
            }
            guard campaign.state == .draft || campaign.state == .paused else {
                throw StoreError(.invalid, "campaign \(name) is \(campaign.state.rawValue); its mailing can change while it is a draft or paused")
            }
            state.mailings[tenantID + "/" + name] = numbers.map {
                CampaignNumber(tenantID: tenantID, campaign: name, row: $0.row, number: $0.number)
            }
        }
    }

    public func mailing(tenantID: String, campaign: String) throws -> [CampaignNumber] {
        withState { ($0.mailings[tenantID + "/" + campaign] ?? []).sorted { $0.row < $1.row } }
    }

    public func claim(tenantID: String, campaign: String, row: Int) throws -> CampaignNumber? {
        withState { state in
            let key = tenantID + "/" + campaign
            guard let index = state.mailings[key]?.firstIndex(where: { $0.row == row }),
                  state.mailings[key]![index].status == .pending else { return nil }
            let claimed = CampaignPacer.claim(state.mailings[key]![index])
            state.mailings[key]![index] = claimed
            return claimed
        }
    }

    public func update(_ number: CampaignNumber) throws {
        withState { state in
            let key = number.tenantID + "/" + number.campaign
            guard let index = state.mailings[key]?.firstIndex(where: { $0.row == number.row }) else { return }
            state.mailings[key]![index] = number
        }
    }

    public func runningCampaigns() throws -> [Campaign] {
        withState { state in state.campaigns.values.flatMap(\.values).filter { $0.state == .running }.sorted { $0.name < $1.name } }
    }
}

/// General settings (P6) in memory; the rules of `SettingsStore`.
extension MemoryStore: SettingsStore {
    public func tenantSettings(tenantID: String) throws -> TenantSettings {
        withState { $0.settings[tenantID] ?? TenantSettings(tenantID: tenantID) }
    }

    public func save(_ settings: TenantSettings) throws {
        try withState { state in
            let tenant = settings.tenantID
            guard state.tenants[tenant] != nil else { throw StoreError(.notFound, "unknown tenant \(tenant)") }
            if let problem = settings.problem(lineExists: { state.lines[LineKey(tenantID: tenant, extensionNumber: $0)] != nil }) {
                throw StoreError(.invalid, problem)
            }
            state.settings[tenant] = settings
        }
    }
}
