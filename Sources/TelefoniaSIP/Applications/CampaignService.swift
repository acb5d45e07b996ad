import Logging
import NIOCore
import TelefoniaCore

/// The campaign dialer (C1), on the signalling loop: once a second it reads the running
/// campaigns and their mailings (storage thread), and for each places the calls
/// `CampaignPacer` allows — each number claimed in the store before its call, each call
/// originated as the paying line's (`B2BUA.originate`: its permissions, rates, credit;
/// the record says "placed by campaign N") — then runs the levels on the answered call
/// and hands it on or hangs up, and writes the number's result. A number left mid-call
/// by a previous run (the server was killed) is finished as interrupted at the first
/// round, never dialled again.
final class CampaignService: @unchecked Sendable {
    private let context: SignallingContext
    private unowned let host: ApplicationHost
    private unowned let b2bua: B2BUA
    /// Rows with a call in progress, per "tenant/campaign" (the pacing's in-flight count).
    private var inFlight: [String: Set<Int>] = [:]
    private var recovered = false
    private var reading = false

    /// How long the campaign lease lasts; renewed every tick (each second).
    static let leaseMillis: Int64 = 15_000

    init(context: SignallingContext, host: ApplicationHost, b2bua: B2BUA) {
        self.context = context
        self.host = host
        self.b2bua = b2bua
    }

    private struct Work: Sendable {
        var campaign: Campaign
        var numbers: [CampaignNumber]
        var open: Bool
        var domain: String
        /// The tenant's trunk when it limits its calls, and the limit.
        var trunk: (id: String, maxCalls: Int)?
    }

    func tick() {
        guard !reading, !b2bua.draining else { return }
        reading = true
        let recover = !recovered
        let now = context.clock.nowMillis()
        let logger = context.logger
        let node = context.nodeID
        context.storage.submit(on: context.loop) { store -> [Work]? in
            // One server dials at a time (its pacing counts the calls it has in flight);
            // another takes over 15 s after it stops renewing.
            guard try store.acquireLease(job: LeasedJob.campaigns, node: node, now: now, until: now + Self.leaseMillis) else {
                return nil
            }
            var work: [Work] = []
            for var campaign in try store.runningCampaigns() {
                var numbers = try store.mailing(tenantID: campaign.tenantID, campaign: campaign.name)
                if recover {
                    for (index, number) in numbers.enumerated() where number.status == .dialing {
                        numbers[index] = CampaignPacer.recover(number)
                        try store.update(numbers[index])
                        logger.warning("campaign number left mid-call by the last run: not dialled again", metadata: [
                            "campaign": "\(campaign.name)", "row": "\(number.row)",
                        ])
                    }
                }
                if CampaignPacer.isFinished(numbers) {
                    campaign.state = .finished
                    try store.save(campaign)
                    logger.info("campaign finished", metadata: ["tel.tenant": "\(campaign.tenantID)", "campaign": "\(campaign.name)"])
                    continue
                }
                let profile = try campaign.timeProfile.flatMap { try store.timeProfile(tenantID: campaign.tenantID, name: $0) }
                let tenant = try store.tenant(id: campaign.tenantID)
                let trunk = try tenant?.trunkID.flatMap { try store.trunk(id: $0) } ?? store.trunks().first
                work.append(Work(campaign: campaign, numbers: numbers, open: campaign.isOpen(at: now, profile: profile),
                                 domain: tenant?.domain ?? campaign.tenantID,
                                 trunk: trunk.flatMap { trunk in trunk.maxCalls.map { (trunk.id, $0) } }))
            }
            return work
        }.whenComplete { [self] result in
            reading = false
            switch result {
            case .failure(let error):
                context.logger.error("campaigns unreadable", metadata: ["error": "\(error)"])
            case .success(nil):
                // Another server dials; if it stops, numbers it left mid-call are recovered here.
                recovered = false
            case .success(let work?):
                recovered = true
                // Free channels per trunk, shared by the campaigns that use it this round.
                var room: [String: Int] = [:]
                for item in work {
                    guard let trunk = item.trunk else {
                        pace(item, now: now, trunkRoom: nil)
                        continue
                    }
                    let free = room[trunk.id] ?? max(0, trunk.maxCalls - b2bua.driver.engine.activeCalls(onTrunk: trunk.id))
                    room[trunk.id] = free - pace(item, now: now, trunkRoom: free)
                }
            }
        }
    }

    /// Places the calls due now; returns how many.
    @discardableResult
    private func pace(_ work: Work, now: Int64, trunkRoom: Int?) -> Int {
        let key = work.campaign.tenantID + "/" + work.campaign.name
        let flying = inFlight[key] ?? []
        let due = CampaignPacer.due(work.numbers.filter { !flying.contains($0.row) }, campaign: work.campaign,
                                    inFlight: flying.count, now: now, open: work.open, trunkRoom: trunkRoom)
        for number in due {
            // Counted in flight from now: the claim below is asynchronous.
            inFlight[key, default: []].insert(number.row)
            let (tenantID, name, row) = (work.campaign.tenantID, work.campaign.name, number.row)
            context.storage.submit(on: context.loop) { store in try store.claim(tenantID: tenantID, campaign: name, row: row) }
                .whenComplete { [self] result in
                    guard case .success(let claimed?) = result else {
                        inFlight[key]?.remove(row)
                        return
                    }
                    dial(claimed, campaign: work.campaign, domain: work.domain, key: key)
                }
        }
        return due.count
    }

    private func dial(_ number: CampaignNumber, campaign: Campaign, domain: String, key: String) {
        let loop = context.loop
        var placed: B2BCall?
        placed = b2bua.originate(tenantID: campaign.tenantID, line: campaign.payingLine, number: number.number, domain: domain,
                                 placedBy: "campaign \(campaign.name)", ringSeconds: campaign.ringSeconds) { [self] outcome in
            loop.execute { [self] in
                switch outcome {
                case .failed(let status):
                    settle(number, Self.attempt(forFailure: status), campaign: campaign, key: key)
                case .answered(let channel):
                    guard let call = placed else { return }
                    let logger = context.logger
                    Task { [self] in
                        let (digits, exit) = await CampaignLevels(campaign: campaign).run(on: channel, logger: logger)
                        if case .handOff(let destination) = exit {
                            await host.handOff(call, tenantID: campaign.tenantID, to: destination, caller: number.number)
                                .run(on: channel, logger: logger)
                        }
                        loop.execute { [self] in
                            b2bua.hangUpOriginated(call)
                            settle(number, .answered(digits: digits), campaign: campaign, key: key)
                        }
                    }
                }
            }
        }
    }

    private func settle(_ number: CampaignNumber, _ attempt: CampaignAttempt, campaign: Campaign, key: String) {
        let settled = CampaignPacer.settle(number, attempt, campaign: campaign, now: context.clock.nowMillis())
        context.logger.info("campaign number", metadata: [
            "campaign": "\(campaign.name)", "row": "\(number.row)", "result": "\(settled.result ?? "-")", "keys": "\(settled.keys)",
        ])
        context.storage.submit(on: context.loop) { store in try store.update(settled) }.whenComplete { [self] result in
            if case .failure(let error) = result {
                context.logger.error("campaign result not written", metadata: ["row": "\(number.row)", "error": "\(error)"])
            }
            inFlight[key]?.remove(number.row)
        }
    }

    /// What a final status of the call means for the number.
    static func attempt(forFailure status: Int) -> CampaignAttempt {
        switch status {
        case 486, 600, 603: .busy
        case 408, 480, 487, 503: .noAnswer
        default: .failed("status \(status)")
        }
    }
}
