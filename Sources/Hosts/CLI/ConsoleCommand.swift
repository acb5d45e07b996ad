import ArgumentParser
import Foundation
import Logging
import TelefoniaCore
import TelefoniaStorage

/// `telefonia console receptionist|supervisor`: the live consoles (C3, C4) and the
/// wallboard (B6) in the terminal, from what the server writes every second.
struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Live consoles in the terminal: lines and queues (receptionist), agents and queue figures (supervisor).",
        subcommands: [Receptionist.self, Supervisor.self]
    )

    struct Receptionist: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lines (available, ringing, in a call, offline), callers in IVRs, callers waiting per queue (W/C/A).")
        @OptionGroup var options: Console.Options

        func run() throws { try options.show(Self.screen) }

        static func screen(store: any Store & QueueStore & LiveStore, tenantID: String) throws -> String {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let (calls, updatedAt) = try store.liveCalls(tenantID: tenantID)
            var text = Console.header("receptionist", tenantID: tenantID, updatedAt: updatedAt, now: now)
            var lines = TextTable("LINE", "STATE", "WITH")
            for line in try store.lines(tenantID: tenantID) {
                let ext = line.extensionNumber
                let registered = try store.registrations(tenantID: tenantID, extensionNumber: ext).contains { $0.expiresAt * 1000 > now }
                let call = calls.first { $0.line == ext || $0.normalized == ext }
                let state: String
                if let call {
                    state = call.state == .talking ? "in call" : "ringing"
                } else {
                    state = registered ? "available" : "offline"
                }
                lines.append([ext, state, call.map { $0.line == ext ? $0.normalized : $0.caller } ?? ""])
            }
            text += lines.render() + "\n\n"
            let inIVR = calls.filter { $0.normalized.hasPrefix("*92") || $0.dialled.hasPrefix("+") && $0.line == nil }
            text += "callers in IVRs: \(inIVR.count)\n\n"
            let snapshot = try store.queueSnapshot(tenantID: tenantID)
            var queues = TextTable("QUEUE", "W", "C", "A", "WAITING (position caller wait)")
            let events = try store.queueEvents(tenantID: tenantID, from: Console.startOfToday(), to: nil, queue: nil)
            let stats = QueueStats.compute(events)
            for queue in snapshot?.queues ?? [] {
                let waiting = queue.waiting.map { "\($0.position). \($0.caller) \($0.waitedSeconds)s\($0.ringing ? " (ringing)" : "")" }
                queues.append([queue.name, "\(queue.waiting.count)", "\(queue.connected)", "\(stats[queue.name]?.abandoned ?? 0)",
                               waiting.joined(separator: ", ")])
            }
            text += queues.render() + "\n(W waiting, C with an agent, A abandoned today)\n"
            return text
        }
    }

    struct Supervisor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Agents (active, paused, logged out, unavailable) and today's queue figures; act with `telefonia queue agent`.")
        @OptionGroup var options: Console.Options

        func run() throws { try options.show(Self.screen) }

        static func screen(store: any Store & QueueStore & LiveStore, tenantID: String) throws -> String {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let snapshot = try store.queueSnapshot(tenantID: tenantID)
            var text = Console.header("supervisor", tenantID: tenantID, updatedAt: snapshot?.takenAt, now: now)
            var agents = TextTable("AGENT", "STATE", "QUEUES", "CALLS TODAY", "LAST CALL")
            for agent in snapshot?.agents ?? [] {
                let state = agent.status.rawValue + (agent.pauseReason.map { " (\($0))" } ?? "")
                agents.append([agent.extensionNumber, state, agent.queues.joined(separator: ","), "\(agent.answeredToday)",
                               agent.lastCallAt.map(ReportOutput.time) ?? "-"])
            }
            text += agents.render() + "\n\n"
            let queues = try store.callQueues(tenantID: tenantID)
            let thresholds = Dictionary(queues.map { ($0.name, $0.serviceLevelSeconds) }, uniquingKeysWith: { first, _ in first })
            let stats = QueueStats.compute(try store.queueEvents(tenantID: tenantID, from: Console.startOfToday(), to: nil, queue: nil),
                                           thresholds: thresholds)
            var board = TextTable("QUEUE", "WAITING", "OFFERED", "ANSWERED", "ABANDONED", "SERVICE LEVEL", "ASA", "AHT", "LONGEST WAIT")
            for queue in queues {
                let s = stats[queue.name] ?? QueueStats(queue: queue.name)
                let waiting = snapshot?.queues.first { $0.name == queue.name }?.waiting.count ?? 0
                board.append([queue.name, "\(waiting)", "\(s.offered)", "\(s.answered)", "\(s.abandoned)",
                              String(format: "%.0f%%", s.serviceLevel * 100), String(format: "%.0f s", s.averageSpeedOfAnswer),
                              String(format: "%.0f s", s.averageHandlingTime), String(format: "%.0f s", s.longestWait)])
            }
            text += board.render() + "\n"
            return text
        }
    }
}

/// Drawing the consoles.
enum Console {
    /// What both consoles take: the tenant, and whether to print once.
    struct Options: ParsableArguments {
        @OptionGroup var global: GlobalOptions
        @Option(help: "Tenant id.") var tenant: String
        @Flag(help: "Print once and exit (default: refresh every second until Ctrl-C).") var once = false

        /// Opens the store and shows `screen` for the tenant, once or every second.
        func show(_ screen: (any Store & QueueStore & LiveStore, String) throws -> String) throws {
            let store = try global.openQueueStore()
            let owner = try TenantCommand.existing(tenant, store: store)
            try Console.follow(once: once) { try screen(store, owner.id) }
        }
    }

    /// Prints `screen()` once, or again every second (clearing the terminal) until interrupted.
    static func follow(once: Bool, _ screen: () throws -> String) throws {
        if once {
            print(try screen(), terminator: "")
            return
        }
        while true {
            let text = try screen()
            FileHandle.standardOutput.write(Data(("\u{1B}[2J\u{1B}[H" + text).utf8))
            Thread.sleep(forTimeInterval: 1)
        }
    }

    static func header(_ name: String, tenantID: String, updatedAt: Int64?, now: Int64) -> String {
        let age = updatedAt.map { now - $0 }
        let freshness: String
        if let age, age < 5_000 {
            freshness = "live"
        } else if let updatedAt {
            freshness = "NOT LIVE: the server last wrote at \(ReportOutput.time(updatedAt)) (is it running?)"
        } else {
            freshness = "no data yet: the server writes once it runs"
        }
        return "telefonia \(name) console — tenant \(tenantID) — \(ReportOutput.time(now)) — \(freshness)\n\n"
    }

    static func startOfToday() -> Int64 { QueueCommand.Stats.startOfToday() }
}
