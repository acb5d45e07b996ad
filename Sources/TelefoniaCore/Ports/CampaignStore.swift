/// Campaigns (C1) and their mailings, implemented by `SQLStore` and `MemoryStore` with
/// the same rules:
/// - a campaign's name is unique per tenant; `save` refuses what `Campaign.problem()`
///   refuses, a paying line, queue or menu the tenant does not have (`invalid`), or an
///   unknown tenant (`notFound`);
/// - a mailing is replaced whole, only while the campaign is a draft or paused;
/// - `claim` takes a pending number for a call atomically (two dialers never claim the
///   same one): it returns nil when the number is no longer pending.
public protocol CampaignStore: AnyObject, Sendable {
    func campaigns(tenantID: String) throws -> [Campaign]
    func campaign(tenantID: String, name: String) throws -> Campaign?
    func save(_ campaign: Campaign) throws
    /// Removes a campaign and its mailing; `invalid` while it runs.
    @discardableResult func removeCampaign(tenantID: String, name: String) throws -> Campaign
    /// Replaces the campaign's mailing with `numbers` (row, number), all pending.
    func replaceMailing(tenantID: String, campaign: String, numbers: [(row: Int, number: String)]) throws
    /// The mailing in row order.
    func mailing(tenantID: String, campaign: String) throws -> [CampaignNumber]
    /// Takes number `row` for a call if it is still pending (status `dialing`, one more attempt).
    func claim(tenantID: String, campaign: String, row: Int) throws -> CampaignNumber?
    /// Writes a number's new state (after an attempt, or a restart's recovery).
    func update(_ number: CampaignNumber) throws
    /// Running campaigns of every tenant (what a dialer works on).
    func runningCampaigns() throws -> [Campaign]
}

extension CallFlowRules {
    /// Why `campaign` cannot be saved given the tenant's lines, queues, menus and profiles, or nil.
    public static func problem(with campaign: Campaign, lineExists: (String) throws -> Bool, queueExists: (String) throws -> Bool,
                               menuExists: (String) throws -> Bool, profileExists: (String) throws -> Bool) rethrows -> String? {
        if let problem = campaign.problem() { return problem }
        guard try lineExists(campaign.payingLine) else { return "tenant \(campaign.tenantID) has no line \(campaign.payingLine)" }
        if let profile = campaign.timeProfile, try !profileExists(profile) {
            return "tenant \(campaign.tenantID) has no time profile \(profile)"
        }
        for level in campaign.levels {
            for action in level.actions.values {
                switch action {
                case .line(let ext): if try !lineExists(ext) { return "tenant \(campaign.tenantID) has no line \(ext)" }
                case .queue(let name): if try !queueExists(name) { return "tenant \(campaign.tenantID) has no queue \(name)" }
                case .ivr(let number): if try !menuExists(number) { return "tenant \(campaign.tenantID) has no IVR \(number)" }
                case .hangUp, .nextLevel: break
                }
            }
        }
        return nil
    }
}
