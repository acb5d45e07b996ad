// telefonia-sim: runs the call engine against simulated phones on a virtual clock.
//
//   telefonia-sim SCENARIO.json [--seed N]   run a scenario, print its timeline and CDRs,
//                                            exit 1 when an expectation fails
//   telefonia-sim --load N [--seed S]        push N short calls through the engine, print calls/s
//   telefonia-sim --tenant ID --db FILE [--day D] [--menu N] [--calls N] [--seed S]
//                                            what-if (B2): a generated day of callers through the
//                                            tenant's real IVR configuration
//   telefonia-sim --queue-day N [--agents A] [--strategy S] [--seed S]
//                                            a day of N callers through a queue of A agents: KPIs
//
// The host only parses arguments, reads the file and prints; the simulation lives in TelefoniaTesting.

import Foundation
import TelefoniaCore
import TelefoniaTesting

let usage = """
    usage: telefonia-sim SCENARIO.json [--seed N]
           telefonia-sim --load N [--seed N]
           telefonia-sim --tenant ID --db FILE [--day YYYY-MM-DD] [--menu N] [--calls N] [--seed N]
           telefonia-sim --queue-day N [--agents A] [--strategy S] [--seed N]

    Runs a scenario file (see Examples/scenarios/basic.json) on a virtual clock and
    prints its timeline and CDRs; exits 1 if an expectation of the file fails.
    With --load, runs N internal calls (answered, then hung up) through the call
    engine as fast as it can and prints the rate.
    With --tenant, runs a generated day of callers (10,000 by default, arriving by a
    business-day profile, pressing the keys each menu offers, sometimes a wrong key or
    none, sometimes giving up) through the tenant's IVR menus as configured in the SQLite
    file, on a virtual clock, and prints where the calls ended: the what-if before going
    live. The start menu is the one the tenant's first routed DID reaches, else menu 1.
    With --queue-day, runs a business day of N callers (patience 20-240 s) through one
    queue of A agents (10 by default; answer in 1-6 s, 5 % of offers missed, talk
    60-300 s, 10 s wrap-up) on a virtual clock and prints the queue's KPIs and how long
    the run took. Strategies: \(QueueStrategyKind.allCases.map(\.rawValue).joined(separator: ", ")).
    """

/// Exit statuses: 1 is reserved for failed expectations so scripts can tell them apart.
enum ExitCode {
    static let expectationFailed: Int32 = 1
    static let usage: Int32 = 2
    static let scenarioInvalid: Int32 = 3
}

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("telefonia-sim: \(message)\n".utf8))
    exit(code)
}

// MARK: - Arguments

var scenarioPath: String?
var loadCount: Int?
var seed: UInt64?
var whatIf = WhatIfArguments()
var queueDay: QueueDay.Setup?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "-h", "--help":
        print(usage)
        exit(0)
    case "--seed":
        guard let value = arguments.popFirst(), let number = UInt64(value) else {
            fail("--seed needs a whole number from 0 to \(UInt64.max)\n\n\(usage)", code: ExitCode.usage)
        }
        seed = number
    case "--load":
        guard let value = arguments.popFirst(), let number = Int(value), number > 0 else {
            fail("--load needs a positive number of calls\n\n\(usage)", code: ExitCode.usage)
        }
        loadCount = number
    case "--queue-day", "--agents", "--strategy":
        guard let value = arguments.popFirst() else { fail("\(argument) needs a value\n\n\(usage)", code: ExitCode.usage) }
        var setup = queueDay ?? QueueDay.Setup()
        switch argument {
        case "--queue-day":
            guard let calls = Int(value), calls > 0 else { fail("--queue-day needs a positive number of callers", code: ExitCode.usage) }
            setup.calls = calls
        case "--agents":
            guard let agents = Int(value), (1...5000).contains(agents) else { fail("--agents needs 1 to 5000", code: ExitCode.usage) }
            setup.agents = agents
        default:
            guard let strategy = QueueStrategyKind(rawValue: value) else {
                fail("--strategy must be one of \(QueueStrategyKind.allCases.map(\.rawValue).joined(separator: ", "))", code: ExitCode.usage)
            }
            setup.strategy = strategy
        }
        queueDay = setup
    case "--tenant", "--db", "--day", "--menu", "--calls":
        guard let value = arguments.popFirst() else { fail("\(argument) needs a value\n\n\(usage)", code: ExitCode.usage) }
        do {
            try whatIf.set(argument, value)
        } catch {
            fail("\(error)\n\n\(usage)", code: ExitCode.usage)
        }
    default:
        if argument.hasPrefix("-") {
            fail("unknown option \(argument)\n\n\(usage)", code: ExitCode.usage)
        }
        guard scenarioPath == nil else {
            fail("give one scenario file, not several\n\n\(usage)", code: ExitCode.usage)
        }
        scenarioPath = argument
    }
}

// MARK: - What-if

if whatIf.tenant != nil {
    guard scenarioPath == nil, loadCount == nil else {
        fail("--tenant runs the what-if; give no scenario file or --load with it\n\n\(usage)", code: ExitCode.usage)
    }
    do {
        print(try await whatIf.run(seed: seed ?? 1))
        exit(0)
    } catch {
        fail("\(error)", code: ExitCode.scenarioInvalid)
    }
}

// MARK: - Queue day

if var setup = queueDay {
    guard scenarioPath == nil, loadCount == nil, whatIf.tenant == nil else {
        fail("--queue-day runs alone\n\n\(usage)", code: ExitCode.usage)
    }
    setup.seed = seed ?? setup.seed
    let started = ContinuousClock.now
    let day = QueueDay(setup: setup).run()
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let s = day.stats
    func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }
    print("""
        queue day: \(setup.calls) callers, \(setup.agents) agents, \(setup.strategy.rawValue), seed \(setup.seed)
          offered \(s.offered), answered \(s.answered), abandoned \(s.abandoned) (\(s.shortAbandoned) within 5 s), overflowed \(s.timedOut)
          service level (20 s) \(percent(s.serviceLevel)), without short abandons \(percent(s.serviceLevelExcludingShortAbandons))
          average speed of answer \(String(format: "%.1f", s.averageSpeedOfAnswer)) s, average handling \(String(format: "%.1f", s.averageHandlingTime)) s, \
        longest wait \(String(format: "%.0f", s.longestWait)) s, abandon rate \(percent(s.abandonRate))
          \(day.events.count) events in \(String(format: "%.2f", seconds)) s
        """)
    exit(0)
}

// MARK: - Load

if let loadCount {
    guard scenarioPath == nil else {
        fail("give either a scenario file or --load, not both\n\n\(usage)", code: ExitCode.usage)
    }
    do {
        let result = try LoadRun(lines: 20, seed: seed ?? 0).run(calls: loadCount)
        let seconds = Double(result.elapsed.components.seconds) + Double(result.elapsed.components.attoseconds) / 1e18
        let rate = Double(loadCount) / max(seconds, 1e-9)
        print("engine: \(loadCount) calls in \(String(format: "%.3f", seconds)) s = \(Int(rate.rounded())) calls/s")
        exit(0)
    } catch {
        fail("load run failed: \(error)", code: ExitCode.expectationFailed)
    }
}

// MARK: - Scenario

guard let scenarioPath else {
    fail("no scenario file given\n\n\(usage)", code: ExitCode.usage)
}
let data: Data
do {
    data = try Data(contentsOf: URL(fileURLWithPath: scenarioPath))
} catch {
    fail("cannot read \(scenarioPath): \(error.localizedDescription)", code: ExitCode.usage)
}
let outcome: Scenario.Outcome
do {
    outcome = try await Scenario(json: data).run(seed: seed)
} catch {
    fail("\(scenarioPath): \(error)", code: ExitCode.scenarioInvalid)
}

print("scenario \(outcome.name), seed \(outcome.seed)")
print("")
print("timeline (seconds)")
for entry in outcome.timeline {
    print(entry)
}
print("")
print("CDRs")
print(CDRTable.render(outcome.cdrs))
print("")
if !outcome.visits.isEmpty {
    print("IVR visits")
    for visit in outcome.visits {
        let survey = visit.surveyScore.map { ", survey \($0)" } ?? ""
        print("\(visit.callID)  menu \(visit.menu): \(visit.path.map(\.description).joined(separator: " ")) → \(visit.exit)\(survey)")
    }
    print("")
}
if !outcome.voicemail.isEmpty {
    print("voicemail")
    for message in outcome.voicemail {
        print("\(message.extensionNumber): from \(message.caller), \(String(format: "%.1f", message.seconds)) s")
    }
    print("")
}
if outcome.passed {
    print("expectations: \(outcome.expectationCount) of \(outcome.expectationCount) passed")
} else {
    let passed = outcome.expectationCount - Set(outcome.failures.map { $0.prefix { $0 != ":" } }).count
    print("expectations: \(passed) of \(outcome.expectationCount) passed")
    for failure in outcome.failures {
        FileHandle.standardError.write(Data("FAILED \(failure)\n".utf8))
    }
    exit(ExitCode.expectationFailed)
}
