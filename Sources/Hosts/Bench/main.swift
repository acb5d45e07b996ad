// telefonia-bench: a SIP load generator of the project's own, driving the real
// telefonia-server over loopback UDP. See docs/BENCHMARKS.md.
import Foundation

if CommandLine.arguments.dropFirst().first == "reports" { exit(ReportsBench.main(Array(CommandLine.arguments.dropFirst(2)))) }

if CommandLine.arguments.dropFirst().first == "rating" { exit(RatingBench.main(Array(CommandLine.arguments.dropFirst(2)))) }

let command: BenchCommand
do {
    command = try BenchCommand.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    if let message = error.message { report("error: \(message)", error: true) }
    report(BenchCommand.usage, error: error.message != nil)
    exit(error.message == nil ? 0 : 2)
}

do {
    let passed: Bool
    switch command {
    case .help:
        report(BenchCommand.usage)
        passed = true
    case .sip(let options):
        passed = try await Benchmarks.sip(options)
    case .memory(let options):
        passed = try await Benchmarks.memory(options)
    case .heldMedia(let options):
        passed = try await Benchmarks.heldMedia(options)
    case .all(let options):
        passed = try await Benchmarks.all(options)
    }
    exit(passed ? 0 : 1)
} catch {
    report("error: \(error)", error: true)
    exit(1)
}
