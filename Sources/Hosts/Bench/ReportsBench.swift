import Foundation
import TelefoniaCore
import TelefoniaStorage
import TelefoniaTesting

/// `telefonia-bench reports`: generates call records in an SQLite file and times every
/// report (docs/BENCHMARKS.md, "Reports"). Targets: a report page under 200 ms, the
/// by-prefix report over a month under 1 s.
enum ReportsBench {
    static let usage = """
        usage: telefonia-bench reports [--cdrs N] [--tenants T] [--db PATH] [--runs R]

        Generates N call records (default 1,000,000) over 90 days, 2025-01-01 to 2025-04-01 UTC,
        for T tenants (default 1: every record in the measured tenant, the worst case) with
        50 lines each, in one transaction; then times each report of tenant t01 over March
        2025 through the Reports API and through the telefonia CLI found next to this binary:
        median wall and CPU time of R runs (default 5). Targets are judged on CPU time, which
        other processes on the machine cannot inflate.

          --db PATH   keep the database there; an existing file with records is reused
        """

    /// 2025-01-01T00:00:00Z, 2025-03-01, 2025-04-01 in unix ms.
    static let start: Int64 = 1_735_689_600_000
    static let march: Int64 = 1_740_787_200_000
    static let april: Int64 = 1_743_465_600_000

    struct Options {
        var cdrs = 1_000_000
        var tenants = 1
        var db: String?
        var runs = 5
    }

    /// Runs with the arguments after `reports`; returns the exit status.
    static func main(_ arguments: [String]) -> Int32 {
        do {
            guard let options = try parse(arguments) else {
                report(usage)
                return 0
            }
            return try run(options) ? 0 : 1
        } catch let error as BenchUsageError {
            report("error: \(error.message ?? "bad arguments")\n\n\(usage)", error: true)
            return 2
        } catch {
            report("error: \(error)", error: true)
            return 2
        }
    }

    static func parse(_ arguments: [String]) throws -> Options? {
        var options = Options()
        var iterator = arguments.makeIterator()
        func value(_ flag: String) throws -> String {
            guard let value = iterator.next() else { throw BenchUsageError("\(flag) needs a value") }
            return value
        }
        func positive(_ flag: String) throws -> Int {
            guard let number = Int(try value(flag).replacingOccurrences(of: "_", with: "")), number > 0 else {
                throw BenchUsageError("\(flag) needs a positive whole number")
            }
            return number
        }
        while let flag = iterator.next() {
            switch flag {
            case "-h", "--help": return nil
            case "--cdrs": options.cdrs = try positive(flag)
            case "--tenants": options.tenants = try positive(flag)
            case "--runs": options.runs = try positive(flag)
            case "--db": options.db = try value(flag)
            default: throw BenchUsageError("unknown option \(flag) for reports")
            }
        }
        return options
    }

    static func run(_ options: Options) throws -> Bool {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("telefonia-reports-\(UUID().uuidString)")
        let path = options.db ?? folder.appendingPathComponent("reports.sqlite").path
        defer { if options.db == nil { try? FileManager.default.removeItem(at: folder) } }
        let store = try SQLStore(path: path)
        let existing = try store.reportCalls(ReportFilter(tenantID: "t01"), limit: 0, offset: 0).total
        if existing == 0 {
            for tenant in CDRGenerator(count: 0, tenants: options.tenants, from: start, to: april).tenants {
                try store.save(Tenant(id: tenant, domain: "\(tenant).bench.example", name: tenant))
            }
            let clock = ContinuousClock()
            let began = clock.now
            let inserted = try store.importCDRs(
                CDRGenerator(count: options.cdrs, tenants: options.tenants, from: start, to: april, seed: 1))
            let took = (clock.now - began).seconds
            report("generated \(inserted) CDRs (\(options.tenants) tenant(s), 90 days) in \(format(took, 1)) s "
                + "(\(Int(Double(inserted) / took)) rows/s), \(fileSize(path) / 1_048_576) MiB: \(path)")
        } else {
            report("reusing \(path): tenant t01 has \(existing) CDRs")
        }

        let reports = Reports(store: store, rating: store, timeZone: TimeZone(identifier: "UTC")!)
        let month = ReportFilter(tenantID: "t01", from: march, to: april)
        let placed = try reports.placedCalls(month, page: 1)
        let lastPage = placed.pageCount
        report("tenant t01 in March 2025: \(placed.total) placed calls (\(lastPage) pages of \(placed.pageSize ?? 0)), "
            + "\(try reports.receivedCalls(month, page: 1).total) received")

        var mobile = month
        mobile.destination = .mobile
        var oneLine = month
        oneLine.line = "1007"
        var number = month
        number.number = "553198"
        let utc = TimeZone(identifier: "UTC")!
        let cases: [(name: String, limit: Double, body: () throws -> Int)] = [
            ("R1 placed, page 1", 0.2, { try reports.placedCalls(month, page: 1).rows.count }),
            ("R1 placed, middle page", 0.2, { try reports.placedCalls(month, page: lastPage / 2).rows.count }),
            ("R1 placed, last page", 0.2, { try reports.placedCalls(month, page: lastPage).rows.count }),
            ("R1 placed, page 1, one line", 0.2, { try reports.placedCalls(oneLine, page: 1).rows.count }),
            ("R1 placed, page 1, number contains 553198", 0.2, { try reports.placedCalls(number, page: 1).rows.count }),
            ("R1 placed, full CSV", .infinity, {
                csv(ReportCSV.placedHeader, try reports.placedCalls(month, page: nil).rows.map { ReportCSV.placedFields($0, timeZone: utc) })
            }),
            ("R2 received, page 1", 0.2, { try reports.receivedCalls(month, page: 1).rows.count }),
            ("R6 by line, page 1", 0.2, { try reports.lines(month, page: 1).rows.count }),
            ("R6 by line, full CSV", .infinity, { csv(ReportCSV.linesHeader, try reports.lines(month, page: nil).rows.map(ReportCSV.lineFields)) }),
            ("R7 by prefix, month", 1, { try reports.prefixes(month, page: 1).rows.count }),
            ("R7 by prefix, month, mobiles", 1, { try reports.prefixes(mobile, page: 1).rows.count }),
            ("R7 by prefix, month, one line", 1, { try reports.prefixes(oneLine, page: 1).rows.count }),
            ("R7 by prefix, full CSV", .infinity, {
                csv(ReportCSV.prefixHeader, try reports.prefixes(month, page: nil).rows.map(ReportCSV.prefixFields))
            }),
            ("P2 dashboard (2025-03-15)", 0.2, { try reports.dashboard(tenantID: "t01", now: march + 14 * 86_400_000 + 43_200_000).hours.count }),
        ]
        var passed = true
        report("")
        report(pad("report (API, median of \(options.runs))", 44) + pad("wall", 11) + pad("CPU", 11) + "rows/bytes")
        for (name, limit, body) in cases {
            let (wall, cpu, size) = try time(runs: options.runs, body)
            // Judged on CPU time: on a busy machine the wall time measures the other processes too.
            let ok = cpu <= limit
            passed = passed && ok
            report(pad(name, 44) + pad(milliseconds(wall), 11) + pad(milliseconds(cpu), 11) + "\(size)"
                + (limit.isFinite ? (ok ? "  ok (< \(Int(limit * 1000)) ms)" : "  SLOW (target \(Int(limit * 1000)) ms)") : ""))
        }

        let cli = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("telefonia").path
        if FileManager.default.isExecutableFile(atPath: cli) {
            let common = ["--db", path, "--tenant", "t01", "--from", "2025-03-01", "--to", "2025-03-31"]
            let commands: [(String, [String])] = [
                ("telefonia report placed (page 1)", ["report", "placed"] + common),
                ("telefonia report placed --page \(lastPage)", ["report", "placed", "--page", String(lastPage)] + common),
                ("telefonia report placed --csv", ["report", "placed", "--csv"] + common),
                ("telefonia report lines", ["report", "lines"] + common),
                ("telefonia report prefix", ["report", "prefix"] + common),
                ("telefonia report prefix --csv", ["report", "prefix", "--csv"] + common),
            ]
            report("")
            report(pad("CLI process (TZ=UTC, median of \(options.runs))", 44) + pad("wall", 11) + pad("CPU", 11) + "stdout bytes")
            for (name, arguments) in commands {
                var cpu: [Double] = []
                let (wall, _, size) = try time(runs: options.runs) {
                    let before = cpuSeconds(children: true)
                    defer { cpu.append(cpuSeconds(children: true) - before) }
                    return try runCLI(cli, arguments)
                }
                report(pad(name, 44) + pad(milliseconds(wall), 11) + pad(milliseconds(cpu.sorted()[cpu.count / 2]), 11) + "\(size)")
            }
        } else {
            report("(no telefonia binary at \(cli): CLI timings skipped)")
        }
        report("")
        report("load: \(String((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.prefix(14) ?? "?")) "
            + "(1, 5, 15 min) on \(ProcessInfo.processInfo.activeProcessorCount) cores")
        report(passed ? "reports: every target met (CPU time)" : "reports: some targets missed (CPU time)")
        return passed
    }

    /// One measurement: wall time and the CPU time this process used (user + system),
    /// which other processes on the machine cannot inflate.
    struct Sample {
        var wall: Double
        var cpu: Double
    }

    /// Median wall and CPU time in seconds of `runs` calls, after one warm-up call.
    static func time(runs: Int, _ body: () throws -> Int) throws -> (wall: Double, cpu: Double, size: Int) {
        let clock = ContinuousClock()
        var size = try body()
        var walls: [Double] = []
        var cpus: [Double] = []
        for _ in 0..<runs {
            let began = clock.now
            let cpuBefore = cpuSeconds()
            size = try body()
            cpus.append(cpuSeconds() - cpuBefore)
            walls.append((clock.now - began).seconds)
        }
        return (walls.sorted()[runs / 2], cpus.sorted()[runs / 2], size)
    }

    /// User + system CPU seconds of this process, or of its finished children.
    static func cpuSeconds(children: Bool = false) -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t((children ? RUSAGE_CHILDREN : RUSAGE_SELF).rawValue), &usage)
        #else
        getrusage(children ? RUSAGE_CHILDREN : RUSAGE_SELF, &usage)
        #endif
        let seconds = { (time: timeval) in Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Builds the CSV text as the CLI does; returns its size in bytes.
    static func csv(_ header: [String], _ rows: [[String]]) -> Int {
        ReportCSV.document(header: header, rows: rows).utf8.count
    }

    static func runCLI(_ path: String, _ arguments: [String]) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "UTC"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let size = output.fileHandleForReading.readDataToEndOfFile().count
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchUsageError("telefonia \(arguments.joined(separator: " ")) failed") }
        return size
    }

    static func milliseconds(_ seconds: Double) -> String {
        format(seconds * 1000, 1) + " ms"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0
    }
}
