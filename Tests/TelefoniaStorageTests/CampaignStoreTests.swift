import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// Campaigns and mailings behave the same in both stores; a number is claimed once.
@Suite struct CampaignStoreTests {
    typealias Kind = StoreKind

    static let campaign = Campaign(tenantID: "acme", name: "cobranca", payingLine: "1001", concurrency: 3,
                                   levels: [CampaignLevel(audio: "a1", actions: ["1": .line("1002"), "2": .hangUp])])

    @Test(arguments: Kind.allCases)
    func campaignsMailingsAndClaims(_ kind: Kind) throws {
        try kind.withStore { store in
            try store.save(Self.campaign)
            #expect(try store.campaign(tenantID: "acme", name: "cobranca") == Self.campaign)
            #expect(try store.campaigns(tenantID: "beta").isEmpty)
            var bad = Self.campaign
            bad.payingLine = "9999"
            #expect(throws: StoreError(.invalid, "tenant acme has no line 9999")) { try store.save(bad) }
            bad = Self.campaign
            bad.levels[0].actions["3"] = .queue("nenhuma")
            #expect(throws: StoreError(.invalid, "tenant acme has no queue nenhuma")) { try store.save(bad) }

            try store.replaceMailing(tenantID: "acme", campaign: "cobranca", numbers: [(2, "11987654321"), (3, "11912345678")])
            #expect(try store.mailing(tenantID: "acme", campaign: "cobranca").map(\.number) == ["11987654321", "11912345678"])
            let claimed = try store.claim(tenantID: "acme", campaign: "cobranca", row: 2)
            #expect(claimed?.status == .dialing && claimed?.attempts == 1)
            #expect(try store.claim(tenantID: "acme", campaign: "cobranca", row: 2) == nil, "a number is claimed once")
            var done = try #require(claimed)
            done = CampaignPacer.settle(done, .answered(digits: ["1", ""]), campaign: Self.campaign, now: 0)
            try store.update(done)
            let read = try store.mailing(tenantID: "acme", campaign: "cobranca")
            #expect(read[0] == done)
            #expect(read[0].keys == "A1=1 A2= A3= A4=")

            var running = Self.campaign
            running.state = .running
            try store.save(running)
            #expect(try store.runningCampaigns().map(\.name) == ["cobranca"])
            #expect(throws: StoreError.self) { try store.replaceMailing(tenantID: "acme", campaign: "cobranca", numbers: [(1, "1")]) }
            #expect(throws: StoreError.self) { try store.removeCampaign(tenantID: "acme", name: "cobranca") }
            running.state = .cancelled
            try store.save(running)
            try store.removeCampaign(tenantID: "acme", name: "cobranca")
            #expect(try store.mailing(tenantID: "acme", campaign: "cobranca").isEmpty)
        }
    }

    /// P6: settings never saved read empty; a line the tenant does not have is refused;
    /// settings of one tenant are not another's; trunks keep their call limit.
    @Test(arguments: Kind.allCases)
    func tenantSettingsAndTrunkLimit(_ kind: Kind) throws {
        try kind.withStore { store in
            #expect(try store.tenantSettings(tenantID: "acme") == TenantSettings(tenantID: "acme"))
            try store.save(TenantSettings(tenantID: "acme", listeningLine: "1001", webPhoneLine: "1002"))
            #expect(try store.tenantSettings(tenantID: "acme") == TenantSettings(tenantID: "acme", listeningLine: "1001", webPhoneLine: "1002"))
            #expect(try store.tenantSettings(tenantID: "beta").listeningLine == nil)
            #expect(throws: StoreError(.invalid, "tenant acme has no line 9999 (the listening line)")) {
                try store.save(TenantSettings(tenantID: "acme", listeningLine: "9999"))
            }
            #expect(throws: StoreError.self) { try store.save(TenantSettings(tenantID: "nobody")) }
            try store.save(Trunk(id: "limited", host: "192.0.2.1", maxCalls: 30))
            #expect(try store.trunk(id: "limited")?.maxCalls == 30)
        }
    }
}
