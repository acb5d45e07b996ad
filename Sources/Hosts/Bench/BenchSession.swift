import Foundation
import NIOCore
import NIOPosix
import TelefoniaCore

/// A spawned server with provisioned, registered lines and the phone farm
/// that drives it: what every benchmark starts from.
final class BenchSession {
    let group: MultiThreadedEventLoopGroup
    let server: ServerProcess
    let farm: PhoneFarm
    let lines: [BenchLine]

    private init(group: MultiThreadedEventLoopGroup, server: ServerProcess, farm: PhoneFarm, lines: [BenchLine]) {
        self.group = group
        self.server = server
        self.farm = farm
        self.lines = lines
    }

    /// Provisions `lineCount` lines, starts the server, registers every line.
    static func open(options: ServerOptions, lineCount: Int, media: Bool, kernelTimed: Bool = true) async throws -> BenchSession {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let lines = BenchLine.range(count: lineCount)
        let server: ServerProcess
        do {
            server = try await ServerProcess(options: options, lines: lines, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let address = try SocketAddress(ipAddress: ServerProcess.domain, port: server.sipPort)
        let farm = PhoneFarm(loop: group.next(), server: address, domain: ServerProcess.domain, digest: options.digest)
        let session = BenchSession(group: group, server: server, farm: farm, lines: lines)
        do {
            try await farm.start().get()
            if media { try await farm.startMedia(kernelTimed: kernelTimed).get() }
            // 20 s for the server to open its database and bind.
            try await farm.waitForServer(attempts: 200).get()
            server.matchNiceness()
            let start = ContinuousClock.now
            try await farm.registerAll(lines).get()
            let seconds = (ContinuousClock.now - start).seconds
            // The server probes every new contact with OPTIONS about a second
            // after it registered, all in one burst since the bench registers
            // them at once; calls start after that round, as on a server whose
            // phones registered over time (docs/BENCHMARKS.md, "keep-alive burst").
            var probed = 0
            if options.settle {
                probed = try await farm.waitForKeepAlives(lines.count, timeout: .seconds(10)).get()
                try await Task.sleep(for: .milliseconds(500))
            }
            report("register: \(lines.count) lines in \(format(seconds, 2)) s (\(format(Double(lines.count) / seconds, 0)) registrations/s, digest \(options.digest.rawValue)), \(probed) keep-alive OPTIONS answered before the calls")
        } catch {
            await session.close()
            if !server.isRunning {
                throw BenchError("\(error)\nthe server exited; its log ends with:\n\(server.logTail())")
            }
            throw error
        }
        return session
    }

    /// Caller/callee pairs over the lines: 2000 → 2001, 2002 → 2003, …
    var pairs: [(caller: BenchLine, callee: BenchLine)] {
        stride(from: 0, to: lines.count - 1, by: 2).map { (lines[$0], lines[$0 + 1]) }
    }

    /// Stops the farm and the server (SIGTERM) and reports a crash or a complaint in its log.
    @discardableResult
    func close() async -> Bool {
        try? await farm.stop().get()
        let crashed = !server.isRunning
        let outcome = await server.stop()
        try? await group.shutdownGracefully()
        defer { server.removeData() }
        if crashed {
            report("server: EXITED DURING THE RUN (\(outcome)); its log ends with:\n\(server.logTail())", error: true)
            return false
        }
        let complaints = server.logLineCount()
        if complaints > 0 {
            report("server: wrote \(complaints) log lines at warning level or above; the last ones:\n\(server.logTail(lines: 8))", error: true)
        }
        if outcome != .exited(0) {
            report("server: \(outcome) after SIGTERM", error: true)
        }
        return true
    }
}

/// Prints a result line (stdout) or a problem (stderr).
func report(_ line: String, error: Bool = false) {
    if error {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    } else {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

func format(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
