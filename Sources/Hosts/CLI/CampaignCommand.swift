import ArgumentParser
import Foundation
import Logging
import TelefoniaCore
import TelefoniaStorage

/// `telefonia campaign …`: outbound voice campaigns (C1).
struct CampaignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Manage outbound voice campaigns: levels of audio capturing one key each, a mailing from CSV, results.",
        subcommands: [Set.self, Import.self, List.self, Run.self, Pause.self, Cancel.self, Remove.self, Results.self]
    )

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a campaign (a draft), or replace its settings.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Campaign name (letters, digits, '-', '_', '.').") var name: String
        @Option(help: "The line whose calls these are (its permissions, rates and credit apply).") var line: String
        @Option(parsing: .singleValue,
                help: "A level: AUDIO[,KEY=ACTION...] with ACTION hangup, next, line:EXT, queue:NAME or ivr:N; repeat for levels 2-4.")
        var level: [String] = []
        @Option(help: "Audio played before hanging up.") var hangUpAudio: String?
        @Option(help: "Time profile the campaign dials in.") var schedule: String?
        @Option(help: "First day it may dial (YYYY-MM-DD).") var from: String?
        @Option(help: "Last day it may dial (YYYY-MM-DD).") var to: String?
        @Option(help: "Calls at once (1-100).") var concurrency = 2
        @Option(help: "Attempts per number (1-10).") var attempts = 2
        @Option(help: "Minutes between attempts of a number (1-1440).") var retry = 30
        @Option(help: "Seconds a called phone rings (5-120).") var ring = 30

        func run() throws {
            let store = try global.openCampaignStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            var levels: [CampaignLevel] = []
            for text in level {
                let parts = text.split(separator: ",").map(String.init)
                guard let audio = parts.first, !audio.isEmpty else { throw CLIError("--level '\(text)' needs an audio name first") }
                var actions: [String: CampaignAction] = [:]
                for pair in parts.dropFirst() {
                    let keyAndAction = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    guard keyAndAction.count == 2, let action = CampaignAction(parsing: keyAndAction[1]) else {
                        throw CLIError("--level '\(text)': '\(pair)' must be KEY=ACTION with ACTION hangup, next, line:EXT, queue:NAME or ivr:N")
                    }
                    actions[keyAndAction[0]] = action
                }
                levels.append(CampaignLevel(audio: audio, actions: actions))
            }
            let firstDay = try from.map { text -> LocalDate in
                guard let day = LocalDate(parsing: text) else { throw CLIError("--from '\(text)' must be YYYY-MM-DD") }
                return day
            }
            let lastDay = try to.map { text -> LocalDate in
                guard let day = LocalDate(parsing: text) else { throw CLIError("--to '\(text)' must be YYYY-MM-DD") }
                return day
            }
            let existing = try store.campaign(tenantID: owner.id, name: name)
            if let existing, existing.state == .running { throw CLIError("campaign \(name) is running; pause it to change it") }
            let campaign = Campaign(
                tenantID: owner.id, name: name, payingLine: line, timeProfile: schedule, firstDay: firstDay, lastDay: lastDay,
                concurrency: concurrency, attempts: attempts, retryMinutes: retry, ringSeconds: ring, levels: levels,
                hangUpAudio: hangUpAudio, state: existing?.state ?? .draft)
            if let problem = campaign.problem() { throw CLIError(problem) }
            try store.save(campaign)
            print("\(existing == nil ? "added" : "changed") campaign \(name) of tenant \(owner.id) (\(campaign.state.rawValue))")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a campaign's mailing with the numbers in column A of a CSV file (nothing imported if a row is bad).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Campaign name.") var name: String
        @Argument(help: "CSV file, numbers in column A.") var file: String

        func run() throws {
            let store = try global.openCampaignStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard try store.campaign(tenantID: owner.id, name: name) != nil else {
                throw CLIError("tenant \(owner.id) has no campaign \(name); see `telefonia campaign list \(owner.id)`")
            }
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)") }
            guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
                throw CLIError("\(file) is not a text file")
            }
            switch MailingImport.parse(text) {
            case .failure(let errors):
                throw CLIError(errors.description)
            case .success(let numbers):
                try store.replaceMailing(tenantID: owner.id, campaign: name, numbers: numbers.map { (row: $0.line, number: $0.number) })
                print("imported \(numbers.count) numbers into campaign \(name)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's campaigns with their progress.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String

        func run() throws {
            let store = try global.openCampaignStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            var table = TextTable("NAME", "STATE", "LINE", "CONCURRENCY", "NUMBERS", "PENDING", "ANSWERED", "BUSY", "NO ANSWER", "FAILED")
            for campaign in try store.campaigns(tenantID: owner.id) {
                let s = CampaignSummary(try store.mailing(tenantID: owner.id, campaign: campaign.name))
                table.append([campaign.name, campaign.state.rawValue, campaign.payingLine, "\(campaign.concurrency)", "\(s.total)",
                              "\(s.pending + s.dialing)", "\(s.answered)", "\(s.busy)", "\(s.noAnswer)", "\(s.failed + s.interrupted)"])
            }
            table.print()
        }
    }

    /// Changes a campaign's state.
    static func change(_ global: GlobalOptions, tenant: String, name: String, to state: Campaign.State,
                       allowed: [Campaign.State]) throws {
        let store = try global.openCampaignStore()
        let owner = try TenantCommand.existing(tenant, store: store)
        guard var campaign = try store.campaign(tenantID: owner.id, name: name) else {
            throw CLIError("tenant \(owner.id) has no campaign \(name)")
        }
        guard allowed.contains(campaign.state), campaign.state.mayBecome(state) else {
            throw CLIError("campaign \(name) is \(campaign.state.rawValue); it cannot become \(state.rawValue)")
        }
        if state == .running, try store.mailing(tenantID: owner.id, campaign: name).isEmpty {
            throw CLIError("campaign \(name) has no mailing; see `telefonia campaign import`")
        }
        campaign.state = state
        try store.save(campaign)
        print("campaign \(name): \(state.rawValue)")
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start (or resume) a campaign: the running server dials it.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Campaign name.") var name: String
        func run() throws { try CampaignCommand.change(global, tenant: tenant, name: name, to: .running, allowed: [.draft, .paused]) }
    }

    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause a campaign (calls up go on; no new ones).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Campaign name.") var name: String
        func run() throws { try CampaignCommand.change(global, tenant: tenant, name: name, to: .paused, allowed: [.running]) }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a campaign for good.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Campaign name.") var name: String
        func run() throws {
            try CampaignCommand.change(global, tenant: tenant, name: name, to: .cancelled, allowed: [.draft, .running, .paused])
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a campaign that is not running, with its mailing.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Campaign name.") var name: String
        func run() throws {
            let store = try global.openCampaignStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            try store.removeCampaign(tenantID: owner.id, name: name)
            print("removed campaign \(name)")
        }
    }

    struct Results: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each number's result and keys (A1= A2= A3= A4=), and the summary.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Campaign name.") var name: String
        @Flag(help: "CSV instead of a table.") var csv = false

        func run() throws {
            let store = try global.openCampaignStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard try store.campaign(tenantID: owner.id, name: name) != nil else {
                throw CLIError("tenant \(owner.id) has no campaign \(name)")
            }
            let numbers = try store.mailing(tenantID: owner.id, campaign: name)
            let rows = numbers.map { [String($0.row), $0.number, $0.status.rawValue, String($0.attempts), $0.result ?? "", $0.keys] }
            if csv {
                var text = ["ROW", "NUMBER", "STATUS", "ATTEMPTS", "RESULT", "KEYS"].map(CDRCSV.quoted).joined(separator: ",") + "\r\n"
                for row in rows { text += row.map(CDRCSV.quoted).joined(separator: ",") + "\r\n" }
                FileHandle.standardOutput.write(Data(text.utf8))
                return
            }
            var table = TextTable("ROW", "NUMBER", "STATUS", "ATTEMPTS", "RESULT", "KEYS")
            for row in rows { table.append(row) }
            table.print()
            let s = CampaignSummary(numbers)
            let keys = s.firstKeys.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            print("\n\(s.total) numbers: \(s.answered) answered, \(s.busy) busy, \(s.noAnswer) no answer, \(s.failed) failed, "
                + "\(s.interrupted) interrupted, \(s.pending + s.dialing) to go; first key: \(keys.isEmpty ? "-" : keys)")
        }
    }
}

extension GlobalOptions {
    func openCampaignStore() throws -> any Store & CampaignStore {
        try SQLStore(url: databasePath, logger: Logger(label: "telefonia.cli"))
    }
}
