import Logging
import Testing
import TelefoniaCore
import TelefoniaTesting

/// Campaigns (C1): validation, mailing import, pacing, retries, restart recovery.
@Suite struct CampaignTests {
    let campaign = Campaign(tenantID: "t", name: "cobranca", payingLine: "201", concurrency: 2, attempts: 2, retryMinutes: 10,
                            levels: [CampaignLevel(audio: "a1", actions: ["1": .nextLevel, "2": .line("202")]),
                                     CampaignLevel(audio: "a2", actions: ["9": .queue("vendas")])],
                            state: .running)

    @Test func validation() {
        #expect(campaign.problem() == nil)
        var bad = campaign
        bad.levels[1].actions["3"] = .nextLevel
        #expect(bad.problem() == "level 2 is the last: key 3 has no next level")
        bad = campaign
        bad.levels = Array(repeating: CampaignLevel(audio: "x"), count: 5)
        #expect(bad.problem() == "a campaign has 1 to 4 audio levels")
        bad = campaign
        bad.concurrency = 0
        #expect(bad.problem() != nil)
        #expect(CampaignAction(parsing: "queue:vendas") == .queue("vendas"))
        #expect(CampaignAction(parsing: "line:x") == nil)
    }

    @Test func mailingImportReportsEveryBadRowAndImportsNothing() {
        let good = "numero,nome\r\n11987654321,Ana\n+5511912345678\n\n\"(11) 3000-1000\",\"Silva, J\"\n"
        guard case .success(let numbers) = MailingImport.parse(good) else { Issue.record("refused"); return }
        #expect(numbers.map(\.number) == ["11987654321", "+5511912345678", "1130001000"])
        #expect(numbers.map(\.line) == [2, 3, 5])
        let bad = "11987654321\nabc\n11987654321\n12\n,x\n"
        guard case .failure(let errors) = MailingImport.parse(bad) else { Issue.record("accepted"); return }
        #expect(errors.rows.map(\.line) == [2, 3, 4, 5])
        #expect(errors.rows[1].reason == "'11987654321' is already on line 1")
        #expect(errors.description.hasPrefix("the mailing was not imported: 4 bad rows"))
        guard case .failure = MailingImport.parse("nome\n") else { Issue.record("an empty mailing was accepted"); return }
    }

    @Test func pacingRetriesAndRestart() {
        var numbers = (1...5).map { CampaignNumber(tenantID: "t", campaign: "cobranca", row: $0, number: "1198765432\($0)") }
        // Never more than the concurrency, in mailing order; nothing outside the window or paused.
        let first = CampaignPacer.due(numbers, campaign: campaign, inFlight: 0, now: 0, open: true)
        #expect(first.map(\.row) == [1, 2])
        #expect(CampaignPacer.due(numbers, campaign: campaign, inFlight: 2, now: 0, open: true).isEmpty)
        #expect(CampaignPacer.due(numbers, campaign: campaign, inFlight: 0, now: 0, open: false).isEmpty)
        // Never more than the trunk's free channels either.
        #expect(CampaignPacer.due(numbers, campaign: campaign, inFlight: 0, now: 0, open: true, trunkRoom: 1).map(\.row) == [1])
        #expect(CampaignPacer.due(numbers, campaign: campaign, inFlight: 0, now: 0, open: true, trunkRoom: 0).isEmpty)
        var paused = campaign
        paused.state = .paused
        #expect(CampaignPacer.due(numbers, campaign: paused, inFlight: 0, now: 0, open: true).isEmpty)

        numbers[0] = CampaignPacer.claim(numbers[0])
        numbers[1] = CampaignPacer.claim(numbers[1])
        #expect(CampaignPacer.due(numbers, campaign: campaign, inFlight: 2, now: 0, open: true).isEmpty)
        numbers[0] = CampaignPacer.settle(numbers[0], .answered(digits: ["1", "9"]), campaign: campaign, now: 1000)
        #expect(numbers[0].status == .done && numbers[0].keys == "A1=1 A2=9 A3= A4=")
        numbers[1] = CampaignPacer.settle(numbers[1], .busy, campaign: campaign, now: 1000)
        #expect(numbers[1].status == .pending && numbers[1].nextAttemptAt == 601_000)
        // Row 2 waits its retry: rows 3 and 4 go first.
        #expect(CampaignPacer.due(numbers, campaign: campaign, inFlight: 0, now: 2000, open: true).map(\.row) == [3, 4])
        #expect(CampaignPacer.due(numbers, campaign: campaign, inFlight: 1, now: 601_000, open: true).map(\.row) == [2])
        numbers[1] = CampaignPacer.settle(CampaignPacer.claim(numbers[1]), .noAnswer, campaign: campaign, now: 700_000)
        #expect(numbers[1].status == .done && numbers[1].result == "no answer" && numbers[1].attempts == 2)

        // A restart finds row 3 mid-call: finished as interrupted, never dialled again.
        numbers[2] = CampaignPacer.claim(numbers[2])
        numbers = numbers.map(CampaignPacer.recover)
        #expect(numbers[2].status == .done && numbers[2].result?.hasPrefix("interrupted") == true)
        #expect(CampaignPacer.due(numbers, campaign: campaign, inFlight: 0, now: 800_000, open: true).map(\.row) == [4, 5])
        numbers[3] = CampaignPacer.settle(CampaignPacer.claim(numbers[3]), .failed("not permitted"), campaign: campaign, now: 0)
        numbers[4] = CampaignPacer.settle(CampaignPacer.claim(numbers[4]), .answered(digits: ["2"]), campaign: campaign, now: 0)
        #expect(CampaignPacer.isFinished(numbers))
        let summary = CampaignSummary(numbers)
        #expect(summary.total == 5 && summary.answered == 2 && summary.noAnswer == 1 && summary.failed == 1 && summary.interrupted == 1)
        #expect(summary.firstKeys == ["1": 1, "2": 1])
    }
}

@Suite struct CampaignLevelsTests {
    let campaign = Campaign(tenantID: "t", name: "c", payingLine: "201",
                            levels: [CampaignLevel(audio: "a1", actions: ["1": .nextLevel, "2": .hangUp, "3": .queue("vendas")]),
                                     CampaignLevel(audio: "a2", actions: ["9": .line("202")])],
                            hangUpAudio: "tchau")

    @Test func keysAndActions() async {
        let logger = Logger(label: "test")
        let next = ScriptedChannel(tenantID: "t", script: [.keys("1"), .keys("9")])
        let handedOn = await CampaignLevels(campaign: campaign).run(on: next, logger: logger)
        #expect(handedOn.digits == ["1", "9"] && handedOn.exit == .handOff(.line("202")))
        #expect(next.prompts == ["a1", "a2"])

        let bye = ScriptedChannel(tenantID: "t", script: [.keys("2")])
        let hung = await CampaignLevels(campaign: campaign).run(on: bye, logger: logger)
        #expect(hung.digits == ["2"] && hung.exit == .hangUp && bye.prompts == ["a1", "tchau"])

        let silent = ScriptedChannel(tenantID: "t", script: [.silence])
        let none = await CampaignLevels(campaign: campaign).run(on: silent, logger: logger)
        #expect(none.digits == [""] && none.exit == .hangUp)

        let gone = ScriptedChannel(tenantID: "t", script: [.keys("1"), .hangUp])
        let left = await CampaignLevels(campaign: campaign).run(on: gone, logger: logger)
        #expect(left.digits == ["1"] && left.exit == .calledHungUp)
        #expect(CampaignNumber(tenantID: "t", campaign: "c", row: 1, number: "1", digits: left.digits).keys == "A1=1 A2= A3= A4=")
    }
}
