import ArgumentParser
import Foundation
import TelefoniaCore

/// `telefonia ivr set|list|show|remove`: IVR menus (L5).
struct IVRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ivr",
        abstract: "Manage IVR menus (URA): a greeting, then the caller's key picks where the call goes.",
        discussion: """
            Options are KEY=DESTINATION with keys 0-9, *, #, T (no key in time) and I (a key with no \
            option); destinations are \(IVRDestination.syntax). A DID reaches a menu once bound to it \
            (`telefonia did add NUMBER TENANT --ivr N`).
            """,
        subcommands: [Set.self, List.self, Show.self, Remove.self, Visits.self, Survey.self]
    )

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an IVR menu, or replace it whole.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Menu number: 1 to 6 digits.") var number: String
        @Option(help: "Name of the menu (default: \"URA\" and the number).") var name: String?
        @Option(help: "Audio played first (a tenant audio file or a default prompt).") var greeting: String?
        @Option(help: "Seconds to wait for the first key (1-60).") var responseTimeout = 5
        @Option(help: "Seconds to wait between keys of an extension (1-30).") var interDigitTimeout = 3
        @Option(help: "Time profile the menu works in (default: always).") var schedule: String?
        @Option(help: "Audio played outside the profile's hours.") var afterHoursAudio: String?
        @Option(help: "Where calls go outside the hours: hangup, voicemail:EXT or menu:N.") var afterHours = "hangup"
        @Option(help: "Audio played when no key came in time.") var timeoutAudio: String?
        @Option(help: "Audio played on a key with no option (default: \"opção inválida\").") var invalidAudio: String?
        @Option(help: "Timeouts and invalid keys in a row before the call is hung up (1-10).") var attempts = 3
        @Option(name: .customLong("option"), help: "KEY=DESTINATION, e.g. 1=line:201 or 9=menu:2 (repeatable).")
        var options: [String] = []
        @Flag(help: "An extension dialled in the menu rings that line.") var directDial = false
        @Flag(help: "Ask the caller for a score from 1 to 5 after the call.") var survey = false
        @Option(help: "The survey's question (default prompt otherwise).") var surveyAudio: String?

        func run() throws {
            let store = try global.openCallFlowStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard let afterHoursAction = IVRDestination(parsing: afterHours) else {
                throw CLIError("--after-hours '\(afterHours)' must be hangup, voicemail:EXT or menu:N")
            }
            var parsed: [IVRKey: IVRDestination] = [:]
            for option in options {
                let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let key = IVRKey(rawValue: parts[0].uppercased()) else {
                    throw CLIError("--option '\(option)' must be KEY=DESTINATION with KEY one of 0-9, *, #, T, I")
                }
                guard let destination = IVRDestination(parsing: parts[1]) else {
                    throw CLIError("--option '\(option)': the destination must be \(IVRDestination.syntax)")
                }
                guard parsed[key] == nil else { throw CLIError("--option: key \(key.rawValue) is given twice") }
                parsed[key] = destination
            }
            let label = (name ?? "URA \(number)").trimmingCharacters(in: .whitespaces)
            guard !label.isEmpty else { throw CLIError("--name must not be empty") }
            let menu = IVRMenu(
                tenantID: owner.id, number: number, name: label, greeting: greeting, responseTimeout: responseTimeout,
                interDigitTimeout: interDigitTimeout, timeProfile: schedule, afterHoursAudio: afterHoursAudio,
                afterHours: afterHoursAction, timeoutAudio: timeoutAudio, invalidAudio: invalidAudio, maxAttempts: attempts,
                options: parsed, directDial: directDial, survey: survey, surveyAudio: surveyAudio)
            if let problem = menu.problem() { throw CLIError(problem) }
            let existed = try store.ivrMenu(tenantID: owner.id, number: number) != nil
            try store.save(menu)
            print("\(existed ? "replaced" : "added") IVR \(number) of tenant \(owner.id)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's IVR menus.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String

        func run() throws {
            let store = try global.openCallFlowStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            var table = TextTable("NUMBER", "NAME", "GREETING", "SCHEDULE", "AFTER HOURS", "OPTIONS")
            for menu in try store.ivrMenus(tenantID: owner.id) {
                table.append([menu.number, menu.name, menu.greeting ?? "-", menu.timeProfile ?? "always",
                              menu.afterHours.description, IVRCommand.options(menu)])
            }
            table.print()
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an IVR menu whole.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Menu number.") var number: String

        func run() throws {
            let menu = try IVRCommand.existing(tenant, number, global: global)
            print("IVR \(menu.number) \"\(menu.name)\" of tenant \(menu.tenantID)")
            print("  greeting           \(menu.greeting ?? "-")")
            print("  response timeout   \(menu.responseTimeout) s, between keys \(menu.interDigitTimeout) s, attempts \(menu.maxAttempts)")
            print("  schedule           \(menu.timeProfile ?? "always open")")
            print("  after hours        \(menu.afterHoursAudio ?? "-") then \(menu.afterHours)")
            print("  timeout audio      \(menu.timeoutAudio ?? "-")")
            print("  invalid audio      \(menu.invalidAudio ?? Prompts.invalidOption)")
            print("  direct dialling    \(menu.directDial ? "on" : "off")")
            print("  survey             \(menu.survey ? "on (\(menu.surveyAudio ?? "default prompt"))" : "off")")
            for key in IVRKey.allCases { if let destination = menu.options[key] { print("  option \(key.rawValue)           \(destination)") } }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an IVR menu no other menu or DID leads to.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Menu number.") var number: String

        func run() throws {
            let menu = try IVRCommand.existing(tenant, number, global: global)
            try global.openCallFlowStore().removeIVRMenu(tenantID: menu.tenantID, number: number)
            print("removed IVR \(number) of tenant \(menu.tenantID)")
        }
    }

    static func options(_ menu: IVRMenu) -> String {
        let listed = IVRKey.allCases.compactMap { key in menu.options[key].map { "\(key.rawValue)=\($0)" } }
        return listed.isEmpty ? "-" : listed.joined(separator: " ")
    }

    static func existing(_ tenant: String, _ number: String, global: GlobalOptions) throws -> IVRMenu {
        let store = try global.openCallFlowStore()
        let owner = try TenantCommand.existing(tenant, store: store)
        guard let menu = try store.ivrMenu(tenantID: owner.id, number: number) else {
            throw CLIError("tenant \(owner.id) has no IVR \(number); see `telefonia ivr list \(owner.id)`")
        }
        return menu
    }

    /// R3: calls received through IVRs, with the path and actions taken and the survey score.
    struct Visits: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report calls through a tenant's IVRs: path, actions taken, survey score (R3).")
        @OptionGroup var report: VisitOptions
        @Option(help: "Only calls that passed this menu.") var menu: String?

        func run() throws {
            let visits = try report.visits(menu: menu)
            let csv = report.csv
            let header = ["INICIO", "ORIGEM", "URA", "CAMINHO", "SAIDA", "NOTA", "CHAMADA"]
            let rows = visits.map { visit in
                [ReportOutput.time(visit.startedAt), visit.caller, visit.menu, visit.path.map(\.description).joined(separator: " "),
                 visit.exit, visit.surveyScore.map(String.init) ?? "", visit.callID]
            }
            if csv { return ReportOutput.writeCSV(header: header, rows: rows) }
            var table = TextTable("STARTED", "CALLER", "IVR", "PATH", "EXIT", "SCORE", "CALL")
            for row in rows { table.append(row) }
            table.print()
            print("\(visits.count) calls")
        }
    }

    /// R4: the satisfaction survey by IVR: how many answered and the average, per score.
    struct Survey: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Report the satisfaction survey by IVR menu (R4).")
        @OptionGroup var report: VisitOptions
        @Option(help: "Only this menu.") var menu: String?

        func run() throws {
            let visits = try report.visits(menu: nil)
            let csv = report.csv
            let rows = SurveySummary.of(visits, menu: menu).map(ReportCSV.surveyFields)
            if csv { return ReportOutput.writeCSV(header: ["URA", "RESPOSTAS", "NOTA 1", "NOTA 2", "NOTA 3", "NOTA 4", "NOTA 5", "MEDIA"], rows: rows) }
            var table = TextTable("IVR", "ANSWERS", "1", "2", "3", "4", "5", "AVERAGE")
            for row in rows { table.append(row) }
            table.print()
        }
    }

    /// What the IVR reports share: tenant, period, CSV.
    struct VisitOptions: ParsableArguments {
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Option(help: "From this date/time (YYYY-MM-DD or YYYY-MM-DDTHH:MM, local).") var from: String?
        @Option(help: "Up to this date/time (a bare date includes that day).") var to: String?
        @Flag(help: "Write CSV instead of a table.") var csv = false

        /// The tenant's visits in the period, through `menu` when set.
        func visits(menu: String?) throws -> [IVRVisit] {
            let store = try global.openCallFlowStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            return try store.ivrVisits(
                tenantID: owner.id, from: try from.map { try Input.time($0, option: "--from") },
                to: try to.map { try Input.time($0, option: "--to", endOfDay: true) }, menu: menu)
        }
    }
}
