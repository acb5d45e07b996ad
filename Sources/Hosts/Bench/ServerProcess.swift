import Foundation
import NIOCore
import NIOPosix
import TelefoniaCore
import TelefoniaStorage

/// The real `telefonia-server`, spawned for one run with a fresh data folder
/// provisioned beforehand, and stopped with SIGTERM at the end.
final class ServerProcess {
    /// Tenant the lines belong to: the server's default tenant, so requests to
    /// 127.0.0.1 land in it.
    static let tenantID = "demo"
    static let domain = "127.0.0.1"

    let sipPort: Int
    let dataDirectory: URL
    let logFile: URL
    private let process: Process
    private let keepData: Bool

    /// Provisions the tenant and `lines` into a new temporary folder, then starts
    /// the server on a free loopback port.
    init(options: ServerOptions, lines: [BenchLine], group: any EventLoopGroup) async throws {
        let binary = try Self.serverBinary(options.serverPath)
        keepData = options.keepData
        dataDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("telefonia-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        try Self.provision(database: dataDirectory.appendingPathComponent("telefonia.sqlite").path, lines: lines)
        sipPort = try await Self.freeUDPPort(group: group)
        logFile = dataDirectory.appendingPathComponent("server.log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)

        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TELEFONIA_") }
        environment["TELEFONIA_DATA_DIR"] = dataDirectory.path
        environment["TELEFONIA_SIP_ADDRESS"] = Self.domain
        environment["TELEFONIA_SIP_PORT"] = String(sipPort)
        environment["TELEFONIA_DEMO"] = "0"
        environment["TELEFONIA_RTP_PORT_MIN"] = "20000"
        environment["TELEFONIA_RTP_PORT_MAX"] = "39999"
        environment["TELEFONIA_LOG_LEVEL"] = options.serverLogLevel
        // Every phone is on 127.0.0.1: the failure limiter must not ban the bench.
        environment["TELEFONIA_AUTH_MAX_FAILURES"] = "1000000"
        if let prompts = options.resolvedPromptsDir { environment["TELEFONIA_PROMPTS_DIR"] = prompts }

        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.environment = environment
        process.currentDirectoryURL = dataDirectory
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Gives every thread of the server the niceness this process was started
    /// with: Foundation's `Process` starts children at niceness 0, so
    /// `nice -n -10 telefonia-bench` would otherwise favour only the load
    /// generator. On Linux a niceness belongs to a thread, hence the walk over
    /// /proc/PID/task, and the main thread's (TID = PID) is the one that was set.
    func matchNiceness() {
        #if os(Linux)
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let own = getpriority(which, id_t(getpid()))
        guard errno == 0, own != 0,
              let threads = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return }
        for thread in threads.compactMap({ id_t($0) }) {
            _ = setpriority(which, thread, own)
        }
        #endif
    }

    /// The server's resident set size in KiB (`VmRSS` of /proc/PID/status).
    func residentKiB() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.dropFirst(6).filter(\.isNumber))
        }
        return nil
    }

    /// CPU time (user + system) the server has used so far, in seconds.
    func cpuSeconds() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The last lines the server wrote (warnings and errors: it runs at level warning).
    func logTail(lines: Int = 20) -> String {
        guard let text = try? String(contentsOf: logFile, encoding: .utf8) else { return "" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Number of lines in the server log (to tell whether it complained).
    func logLineCount() -> Int {
        guard let text = try? String(contentsOf: logFile, encoding: .utf8) else { return 0 }
        return text.split(separator: "\n").count
    }

    /// SIGTERM, then up to 15 s for a clean exit, then SIGKILL. Returns how it ended.
    @discardableResult
    func stop() async -> ExitOutcome {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(15)
            while process.isRunning, Date() < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        return outcome
    }

    /// Deletes the data folder and log, unless `--keep-data` was given.
    func removeData() {
        if keepData {
            FileHandle.standardError.write(Data("server data and log kept in \(dataDirectory.path)\n".utf8))
        } else {
            try? FileManager.default.removeItem(at: dataDirectory)
        }
    }

    /// How the process ended (once it has).
    var outcome: ExitOutcome {
        process.terminationReason == .uncaughtSignal
            ? .signal(process.terminationStatus) : .exited(process.terminationStatus)
    }

    enum ExitOutcome: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signal(Int32)

        var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signal(let number): "killed by signal \(number)\(number == SIGILL || number == SIGTRAP ? " (a Swift runtime trap)" : "")"
            }
        }
    }

    // MARK: - Setup

    static func serverBinary(_ explicit: String?) throws -> String {
        if let explicit {
            guard FileManager.default.isExecutableFile(atPath: explicit) else {
                throw BenchError("--server \(explicit) is not an executable file")
            }
            return explicit
        }
        let folder = Bundle.main.executableURL?.deletingLastPathComponent()
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let path = folder.appendingPathComponent("telefonia-server").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw BenchError(
                "no telefonia-server next to the bench (\(path)): build both products "
                    + "(swift build -c release --product telefonia-bench --product telefonia-server) or pass --server PATH")
        }
        return path
    }

    /// Writes the tenant and its lines straight into the server's SQLite file.
    static func provision(database: String, lines: [BenchLine]) throws {
        let store = try SQLStore(path: database)
        defer { store.close() }
        try store.save(Tenant(id: tenantID, domain: domain, name: "Bench"))
        for line in lines {
            try store.save(line.line(tenantID: tenantID, realm: domain))
        }
    }

    /// A UDP port nobody holds right now on 127.0.0.1 (bound, read, released).
    static func freeUDPPort(group: any EventLoopGroup) async throws -> Int {
        let channel = try await DatagramBootstrap(group: group).bind(host: domain, port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        guard port > 0 else { throw BenchError("could not find a free UDP port") }
        return port
    }
}

/// A failure that ends a run, with a message saying what to do.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
