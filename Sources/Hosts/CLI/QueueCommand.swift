import ArgumentParser
import Foundation
import Logging
import TelefoniaCore
import TelefoniaStorage

/// `telefonia queue set|list|remove|stats|events`: call-centre queues (C2).
struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Manage call-centre queues (DAC): IVR option queue:NAME, did route --queue NAME, a group's --no-answer queue:NAME.",
        subcommands: [Set.self, List.self, Remove.self, Stats.self, Events.self, Agent.self]
    )

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a queue, or replace it whole.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Queue name (letters, digits, '-', '_', '.').") var name: String
        @Option(help: "Member extensions (the agents), comma-separated, in order: 201,202,203.") var members: String
        @Option(help: "\(QueueStrategyKind.allCases.map(\.rawValue).joined(separator: ", ")).") var strategy = "ring-all"
        @Option(help: "Members' penalties for --strategy penalty, EXT=N comma-separated (default 0).") var penalties: String?
        @Option(help: "basic (always on), flex (*78 to log in/out) or power (*78, calls delivered with a beep).") var mode = "basic"
        @Option(help: "Tenant audio callers hear while waiting (default music on hold).") var music: String?
        @Option(help: "Tenant audio the agent hears before being connected.") var agentAnnouncement: String?
        @Option(help: "Say the caller's position every N seconds (30-300).") var announceEvery: Int?
        @Flag(help: "Say the estimated wait with the position.") var announceWait = false
        @Option(help: "Seconds an agent's phone rings per offer (5-120).") var ring = 15
        @Option(help: "Seconds between attempts when nobody answered (0-300).") var retry = 5
        @Option(help: "Seconds an agent rests after a call (0-600).") var wrapUp = 0
        @Option(help: "Longest wait in seconds before --overflow (10-7200).") var maxWait: Int?
        @Option(help: "Where callers go after --max-wait: \(IVRDestination.syntax).") var overflow = "hangup"
        @Flag(help: "Offer calls to agents whose line is in another call.") var ringInUse = false
        @Option(help: "Pause an agent after N offers missed in a row (1-20).") var autoPause: Int?
        @Option(help: "Service level threshold in seconds.") var serviceLevel = 20
        @Option(help: "Weight against the agent's other queues when callers waited as long (higher first).") var weight = 0
        @Option(help: "Line whose calls call waiting callers back (B4); unset: no callback.") var callbackLine: String?
        @Option(help: "Key a waiting caller presses to be called back.") var callbackKey = "*"

        func run() throws {
            let store = try global.openQueueStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard let chosen = QueueStrategyKind(rawValue: strategy) else {
                throw CLIError("--strategy '\(strategy)' must be one of \(QueueStrategyKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let agentMode = AgentMode(rawValue: mode) else { throw CLIError("--mode '\(mode)' must be basic, flex or power") }
            guard let destination = IVRDestination(parsing: overflow) else {
                throw CLIError("--overflow '\(overflow)' must be \(IVRDestination.syntax)")
            }
            var penaltyOf: [String: Int] = [:]
            for pair in (penalties ?? "").split(separator: ",") {
                let parts = pair.split(separator: "=")
                guard parts.count == 2, let value = Int(parts[1]), (0...100).contains(value) else {
                    throw CLIError("--penalties '\(pair)' must be EXT=N with N 0-100")
                }
                penaltyOf[String(parts[0])] = value
            }
            let list = members.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let queue = CallQueue(
                tenantID: owner.id, name: name, strategy: chosen,
                members: list.map { QueueMember(extensionNumber: $0, penalty: penaltyOf[$0] ?? 0) }, agentMode: agentMode,
                musicOnHold: music, agentAnnouncement: agentAnnouncement, announceEvery: announceEvery, announceWait: announceWait,
                ringSeconds: ring, retrySeconds: retry, wrapUpSeconds: wrapUp, maxWaitSeconds: maxWait, overflow: destination,
                ringInUse: ringInUse, autoPauseAfter: autoPause, serviceLevelSeconds: serviceLevel, weight: weight,
                callbackLine: callbackLine, callbackKey: callbackKey)
            if let problem = queue.problem() { throw CLIError(problem) }
            let existed = try store.callQueue(tenantID: owner.id, name: name) != nil
            try store.save(queue)
            print("\(existed ? "replaced" : "added") queue \(name) of tenant \(owner.id)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's queues.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String

        func run() throws {
            let store = try global.openQueueStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            var table = TextTable("NAME", "STRATEGY", "MODE", "MEMBERS", "RING", "RETRY", "WRAP-UP", "MAX WAIT", "OVERFLOW")
            for queue in try store.callQueues(tenantID: owner.id) {
                table.append([queue.name, queue.strategy.rawValue, queue.agentMode.rawValue,
                              queue.members.map(\.extensionNumber).joined(separator: ","), "\(queue.ringSeconds) s", "\(queue.retrySeconds) s",
                              "\(queue.wrapUpSeconds) s", queue.maxWaitSeconds.map { "\($0) s" } ?? "-", queue.overflow.description])
            }
            table.print()
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a queue nothing leads to.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Queue name.") var name: String

        func run() throws {
            let store = try global.openQueueStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard try store.callQueue(tenantID: owner.id, name: name) != nil else {
                throw CLIError("tenant \(owner.id) has no queue \(name); see `telefonia queue list \(owner.id)`")
            }
            try store.removeCallQueue(tenantID: owner.id, name: name)
            print("removed queue \(name) of tenant \(owner.id)")
        }
    }

    /// A supervisor's action on an agent (C4), carried out by the running server within a second.
    struct Agent: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause, unpause or log out an agent, or listen to / assist / barge into its call from the tenant's listening line "
                + "(the running server does it within a second).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "pause, unpause, logout, listen, assist or barge.") var action: String
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "The agent's extension.") var ext: String
        @Option(help: "Why (pause), shown on the consoles.") var reason: String?

        func run() throws {
            let store = try global.openQueueStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            guard let chosen = SupervisorCommand.Action(word: action) else {
                throw CLIError("'\(action)' must be pause, unpause, logout, listen, assist or barge")
            }
            guard try store.line(tenantID: owner.id, extensionNumber: ext) != nil else {
                throw CLIError("tenant \(owner.id) has no line \(ext)")
            }
            let filed = try store.file(SupervisorCommand(tenantID: owner.id, agent: ext, action: chosen, reason: reason,
                                                    createdAt: Int64(Date().timeIntervalSince1970 * 1000)))
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                if let done = try store.queueCommand(id: filed.id), let result = done.result {
                    guard result == "ok" else { throw CLIError("\(action) \(ext): \(result)") }
                    print("\(action) \(ext) of tenant \(owner.id): done")
                    return
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            print("\(action) \(ext) of tenant \(owner.id): filed; the server carries it out when it runs")
        }
    }

    /// The queue KPIs (C2, B6) over a span of the event log.
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue and agent figures: offered, answered, abandoned, service level, ASA, AHT.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Option(help: "From this day or time (YYYY-MM-DD[THH:MM]); default today.") var from: String?
        @Option(help: "Until this day or time (inclusive day).") var to: String?

        func run() throws {
            let store = try global.openQueueStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            let start = try from.map { try Input.time($0, option: "--from") } ?? Self.startOfToday()
            let end = try to.map { try Input.time($0, option: "--to", endOfDay: true) }
            let queues = try store.callQueues(tenantID: owner.id)
            let events = try store.queueEvents(tenantID: owner.id, from: start, to: end, queue: nil)
            let thresholds = Dictionary(queues.map { ($0.name, $0.serviceLevelSeconds) }, uniquingKeysWith: { first, _ in first })
            let stats = QueueStats.compute(events, thresholds: thresholds)
            var table = TextTable("QUEUE", "OFFERED", "ANSWERED", "ABANDONED", "OVERFLOW", "SERVICE LEVEL", "SL (NO SHORT)", "ASA", "AHT", "LONGEST")
            for name in Swift.Set(queues.map(\.name)).union(stats.keys).sorted() {
                let s = stats[name] ?? QueueStats(queue: name)
                table.append([name, "\(s.offered)", "\(s.answered)", "\(s.abandoned)", "\(s.timedOut)", Self.percent(s.serviceLevel),
                              Self.percent(s.serviceLevelExcludingShortAbandons), Self.seconds(s.averageSpeedOfAnswer),
                              Self.seconds(s.averageHandlingTime), Self.seconds(s.longestWait)])
            }
            table.print()
            print("")
            var agents = TextTable("AGENT", "CALLS", "TALK", "PAUSED", "MISSED", "LAST CALL")
            for (agent, s) in AgentStats.compute(events, until: end ?? Int64(Date().timeIntervalSince1970 * 1000)).sorted(by: { $0.key < $1.key }) {
                agents.append([agent, "\(s.calls)", Self.seconds(s.talkSeconds), Self.seconds(s.pauseSeconds), "\(s.missed)",
                               s.lastCallAt.map(ReportOutput.time) ?? "-"])
            }
            agents.print()
        }

        static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
        static func seconds(_ value: Double) -> String { String(format: "%.0f s", value) }
        static func startOfToday() -> Int64 {
            let now = Date()
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: TimeProfile.defaultTimeZone) ?? .current
            return Int64(calendar.startOfDay(for: now).timeIntervalSince1970 * 1000)
        }
    }

    /// The event log itself (enter, connect, complete, abandon…), for audits and spreadsheets.
    struct Events: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List queue events (the log the figures come from).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Option(help: "Only this queue.") var queue: String?
        @Option(help: "From this day or time (YYYY-MM-DD[THH:MM]).") var from: String?
        @Flag(help: "CSV instead of a table.") var csv = false

        func run() throws {
            let store = try global.openQueueStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            let start = try from.map { try Input.time($0, option: "--from") }
            let rows = try store.queueEvents(tenantID: owner.id, from: start, to: nil, queue: queue).map { event in
                [ReportOutput.time(event.at), event.queue, event.kind.rawValue, event.callID ?? "", event.caller ?? "", event.agent ?? "",
                 event.position.map(String.init) ?? "", event.waitSeconds.map { String(format: "%.1f", $0) } ?? "",
                 event.talkSeconds.map { String(format: "%.1f", $0) } ?? "", event.reason ?? ""]
            }
            let header = ["TIME", "QUEUE", "EVENT", "CALL", "CALLER", "AGENT", "POSITION", "WAIT", "TALK", "REASON"]
            if csv {
                var text = header.map(CDRCSV.quoted).joined(separator: ",") + "\r\n"
                for row in rows { text += row.map(CDRCSV.quoted).joined(separator: ",") + "\r\n" }
                FileHandle.standardOutput.write(Data(text.utf8))
            } else {
                var table = TextTable("TIME", "QUEUE", "EVENT", "CALL", "CALLER", "AGENT", "POSITION", "WAIT", "TALK", "REASON")
                for row in rows { table.append(row) }
                table.print()
            }
        }
    }
}

extension GlobalOptions {
    func openQueueStore() throws -> any Store & QueueStore & LiveStore {
        try SQLStore(url: databasePath, logger: Logger(label: "telefonia.cli"))
    }
}
