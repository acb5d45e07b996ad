import Foundation

/// CPU time of the whole machine, this process and the server between two
/// moments, so a figure taken while other programs were busy can be told apart.
struct MachineLoad {
    struct Sample {
        var machineBusy: Double
        var machineTotal: Double
        var bench: Double
        var server: Double
    }

    static let cores = ProcessInfo.processInfo.activeProcessorCount
    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Now: the machine's busy and total CPU seconds (all cores), and the CPU
    /// seconds of this process and of the server.
    static func sample(server: ServerProcess) -> Sample {
        var busy = 0.0
        var total = 0.0
        if let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) {
            // user nice system idle iowait irq softirq steal …
            let values = line.split(separator: " ").dropFirst().compactMap { Double($0) }
            total = values.prefix(8).reduce(0, +) / ticksPerSecond
            let idle = values.count > 4 ? values[3] + values[4] : 0
            busy = total - idle / ticksPerSecond
        }
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        let bench = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return Sample(machineBusy: busy, machineTotal: total, bench: bench, server: server.cpuSeconds() ?? 0)
    }

    let server: Double
    let bench: Double
    let others: Double
    let seconds: Double

    /// The CPU each party used between `start` and `end`, in cores (1.0 = one core fully busy).
    init(from start: Sample, to end: Sample) {
        let wall = max((end.machineTotal - start.machineTotal) / Double(Self.cores), 0.001)
        seconds = wall
        server = (end.server - start.server) / wall
        bench = (end.bench - start.bench) / wall
        others = max(0, (end.machineBusy - start.machineBusy) / wall - server - bench)
    }

    /// "server 0.62 cores, bench 0.41, other processes 0.03 (of 2)".
    var summary: String {
        "CPU: server \(format(server, 2)) cores, bench \(format(bench, 2)), other processes \(format(others, 2)) (of \(Self.cores))"
    }

    /// Other programs took a noticeable share: the figures understate the server.
    var disturbed: Bool { others > 0.15 }
}
