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
}
