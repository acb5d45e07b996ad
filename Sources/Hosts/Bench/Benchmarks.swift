import Foundation
import NIOCore

/// The benchmarks `telefonia-bench` runs; each prints its figures as plain lines
/// and returns whether it met its bar (zero failed calls, server alive).
enum Benchmarks {
    /// Short calls between registered lines, optionally with RTP both ways.
    static func sip(_ options: SIPLoadOptions) async throws -> Bool {
        let lineCount = max(2, options.concurrency * 2)
        let session = try await BenchSession.open(options: options.server, lineCount: lineCount, media: options.media)
        let plan = CallPlan(
            calls: options.calls, rate: options.rate, concurrency: options.concurrency,
            hold: .milliseconds(options.holdMillis), media: options.media, pairs: session.pairs)
        let before = MachineLoad.sample(server: session.server)
        let result: CallRunResult
        do {
            result = try await session.farm.runCalls(plan).finished.get()
        } catch {
            await session.close()
            throw error
        }
        let load = MachineLoad(from: before, to: MachineLoad.sample(server: session.server))
        let counters = try await session.farm.loop.submit { [farm = session.farm] in farm.counters }.get()
        let media = options.media ? try await session.farm.mediaTotals().get() : nil
        let timing = options.media ? try await session.farm.mediaTiming().get() : nil
        let alive = await session.close()

        let name = options.media ? "sip+media" : "sip"
        var line = "\(name): \(options.calls) calls, rate \(format(options.rate, 0))/s, concurrency \(options.concurrency), "
            + "hold \(options.holdMillis) ms: attempted \(result.attempted), completed \(result.completed), "
            + "failed \(result.failed), achieved \(format(result.achievedRate, 1)) calls/s"
        if let p50 = result.percentile(0.5), let p99 = result.percentile(0.99) {
            line += ", setup p50 \(format(p50, 1)) ms p99 \(format(p99, 1)) ms"
        }
        line += ", peak \(result.peakActive) calls up"
        report(line)
        reportLoad(load, name: name)
        if let media {
            report("\(name): rtp \(media.streams) streams, sent \(media.sent) packets, received \(media.received), "
                + "lost \(media.sent - media.received) (\(format(media.lossPercent, 4))%), "
                + "from a wrong address \(media.wrongSource), misrouted \(media.misrouted)")
        }
        if let timing {
            report("\(name): rtp transit through the relay (arrival − our send time) p50 \(format(timing.p50, 2)) ms, "
                + "p99 \(format(timing.p99, 2)) ms, max \(format(timing.max, 2)) ms over \(timing.samples) packets; "
                + "worst stream p99 \(format(timing.streamP99.last ?? 0, 2)) ms; server CPU per call up "
                + "\(format(load.server / Double(max(result.peakActive, 1)) * 1000, 2)) millicores (server cores / peak calls up)")
        }
        reportDetails(result, counters: counters, name: name)
        if options.showSlowest, let slowest = result.slowestSetup {
            report("\(name): slowest setup, \(format(slowest.millis, 1)) ms:\n\(slowest.trace)", error: true)
        }
        var passed = alive && result.failed == 0 && result.completed == options.calls
        if let media, media.wrongSource > 0 || media.misrouted > 0 { passed = false }
        return passed
    }

    /// Holds K calls up and compares the server's RSS with its idle RSS.
    static func memory(_ options: MemoryOptions) async throws -> Bool {
        let session = try await BenchSession.open(options: options.server, lineCount: options.calls * 2, media: false)
        // Warm-up: every code path and allocator pool the calls use, touched once.
        let warmUp = CallPlan(
            calls: min(200, options.calls), rate: options.rate, concurrency: options.calls, hold: .milliseconds(0),
            media: false, pairs: session.pairs)
        let warm = try await session.farm.runCalls(warmUp).finished.get()
        try await Task.sleep(for: .seconds(2))
        let idle = await sampleRSS(session.server)

        let plan = CallPlan(
            calls: options.calls, rate: options.rate, concurrency: options.calls, hold: .untilReleased, media: false,
            pairs: session.pairs)
        let before = MachineLoad.sample(server: session.server)
        let (finished, settled) = session.farm.runCalls(plan)
        try await settled.get()
        try await Task.sleep(for: .seconds(2))
        let active = await sampleRSS(session.server)
        let held = try await session.farm.loop.submit { [farm = session.farm] in farm.run?.held ?? 0 }.get()
        session.farm.releaseHeldCalls()
        let result = try await finished.get()
        try await Task.sleep(for: .seconds(2))
        let after = await sampleRSS(session.server)
        let load = MachineLoad(from: before, to: MachineLoad.sample(server: session.server))
        let counters = try await session.farm.loop.submit { [farm = session.farm] in farm.counters }.get()
        let alive = await session.close()

        guard let idle, let active, let after else {
            report("memory: could not read the server's /proc/PID/status", error: true)
            return false
        }
        let perCall = Double(active - idle) / Double(max(held, 1))
        report("memory: \(held) of \(options.calls) calls held, server RSS idle \(mib(idle)) MiB, "
            + "with the calls up \(mib(active)) MiB, after hang-up \(mib(after)) MiB: \(format(perCall, 1)) KiB per active call")
        reportLoad(load, name: "memory")
        reportDetails(result, counters: counters, name: "memory")
        if warm.failed > 0 { report("memory: \(warm.failed) warm-up calls failed", error: true) }
        return alive && result.failed == 0 && warm.failed == 0 && held == options.calls
    }

    /// N calls held up at once, either dialling `*44` (the server plays music on
    /// hold) or relayed between two bench phones with RTP both ways; the server's
    /// CPU is taken over `seconds` while all of them are up and nothing else happens.
    static func heldMedia(_ options: HeldMediaOptions) async throws -> Bool {
        let name = options.relay ? "relay" : "playback"
        let session = try await BenchSession.open(options: options.server, lineCount: options.calls * 2, media: true, kernelTimed: options.relay)
        let window = options.seconds * 50
        try await session.farm.loop.submit { [farm = session.farm] in farm.media?.playbackWindow = window }.get()
        let plan = CallPlan(
            calls: options.calls, rate: options.rate, concurrency: options.calls, hold: .untilReleased,
            media: options.relay, pairs: session.pairs, playback: !options.relay)
        let (finished, settled) = session.farm.runCalls(plan)
        let load: MachineLoad
        let held: Int
        do {
            try await settled.get()
            // A second for the last streams to start, then the window with every call up.
            try await Task.sleep(for: .seconds(1))
            let before = MachineLoad.sample(server: session.server)
            try await Task.sleep(for: .seconds(options.seconds))
            load = MachineLoad(from: before, to: MachineLoad.sample(server: session.server))
            held = try await session.farm.loop.submit { [farm = session.farm] in farm.run?.held ?? 0 }.get()
            session.farm.releaseHeldCalls()
        } catch {
            await session.close()
            throw error
        }
        let result = try await finished.get()
        try await Task.sleep(for: .milliseconds(200))
        let counters = try await session.farm.loop.submit { [farm = session.farm] in farm.counters }.get()
        let totals = try await session.farm.mediaTotals().get()
        let timing = try await session.farm.mediaTiming().get()
        let alive = await session.close()

        var line = "\(name): \(options.calls) calls, rate \(format(options.rate, 0))/s, window \(options.seconds) s: "
            + "\(held) held during the window, completed \(result.completed), failed \(result.failed)"
        if let p50 = result.percentile(0.5), let p99 = result.percentile(0.99) {
            line += ", setup p50 \(format(p50, 1)) ms p99 \(format(p99, 1)) ms"
        }
        report(line)
        let perCall = load.server / Double(max(held, 1))
        report("\(name): \(load.summary) during the window; server CPU per \(options.relay ? "call" : "playback") "
            + "\(format(perCall * 1000, 2)) millicores (\(format(perCall * 100, 3)) % of a core)")
        let lossPercent: Double
        let p99: Double
        if options.relay {
            lossPercent = totals.lossPercent
            p99 = timing.p99
            report("relay: rtp \(totals.streams) streams, sent \(totals.sent) packets, received \(totals.received), "
                + "lost \(totals.sent - totals.received) (\(format(totals.lossPercent, 4))%), "
                + "from a wrong address \(totals.wrongSource), misrouted \(totals.misrouted)")
            let clock = timing.kernelTimed
                ? "kernel receive time (SO_TIMESTAMPNS, dedicated blocking receive threads) − CLOCK_REALTIME taken just before sendto"
                : "arrival on the event loop − our send time"
            report("relay: \(timing.kernelTimed ? "kernel-timed" : "event-loop-timed") receive; packets without a kernel timestamp \(timing.untimed), failed sends \(timing.sendFailures)")
            report("relay: transit through the relay (\(clock)) p50 \(format(timing.p50, 2)) ms, "
                + "p99 \(format(timing.p99, 2)) ms, max \(format(timing.max, 2)) ms over \(timing.samples) packets; "
                + "stream p99s: median \(format(MediaTiming.percentile(timing.streamP99, 0.5) ?? 0, 2)) ms, "
                + "worst \(format(timing.streamP99.last ?? 0, 2)) ms")
            report("relay: transit minus each stream's fastest packet p50 \(format(timing.earliestP50, 2)) ms, "
                + "p99 \(format(timing.earliestP99, 2)) ms, max \(format(timing.earliestMax, 2)) ms")
        } else {
            lossPercent = timing.windowLossPercent
            p99 = timing.p99
            report("playback: rtp \(timing.playbackStreams) of \(options.calls) streams received; in each stream's first "
                + "\(options.seconds) s: expected \(timing.windowExpected) packets, received \(timing.windowReceived), "
                + "lost \(timing.windowExpected - timing.windowReceived) (\(format(lossPercent, 4))%); "
                + "\(totals.received) packets received in all, misrouted \(totals.misrouted)")
            report("playback: arrival deviation from the 20 ms grid (anchored at each stream's first packet) "
                + "p50 \(format(timing.p50, 2)) ms, p99 \(format(timing.p99, 2)) ms, max \(format(timing.max, 2)) ms "
                + "over \(timing.samples) packets; stream p99s: median \(format(MediaTiming.percentile(timing.streamP99, 0.5) ?? 0, 2)) ms, "
                + "worst \(format(timing.streamP99.last ?? 0, 2)) ms, \(timing.streamP99.filter { $0 >= 5 }.count) streams ≥ 5 ms")
            report("playback: lateness against the grid anchored at each stream's earliest packet instead "
                + "p50 \(format(timing.earliestP50, 2)) ms, p99 \(format(timing.earliestP99, 2)) ms, max \(format(timing.earliestMax, 2)) ms")
        }
        let met = lossPercent < 0.1 && p99 < 5 && held == options.calls
            && (options.relay || timing.playbackStreams == options.calls)
        report("\(name): \(met ? "MEETS" : "DOES NOT MEET") < 0.1 % loss and p99 < 5 ms at \(options.calls) concurrent")
        if load.disturbed {
            report("\(name): WARNING: other processes used \(format(load.others, 2)) cores during the window", error: true)
        }
        reportDetails(result, counters: counters, name: name)
        return alive && result.failed == 0 && result.completed == options.calls && met
    }

    /// The runs quoted in docs/BENCHMARKS.md.
    static func all(_ server: ServerOptions) async throws -> Bool {
        var passed = true
        for options in [
            // The target: 300 calls/s with no failure.
            SIPLoadOptions(calls: 3000, rate: 300, concurrency: 200, holdMillis: 100, server: server),
            // Headroom: twice the target.
            SIPLoadOptions(calls: 6000, rate: 600, concurrency: 400, holdMillis: 100, server: server),
            // Media: ~110 calls up at once, RTP both ways through the relay.
            SIPLoadOptions(calls: 1000, rate: 100, concurrency: 200, holdMillis: 1000, media: true, server: server),
            // Media: ~450 calls up at once (~45,000 packets/s into the relay, as many out).
            SIPLoadOptions(calls: 2000, rate: 200, concurrency: 500, holdMillis: 2000, media: true, server: server),
        ] {
            passed = try await sip(options) && passed
        }
        passed = try await memory(MemoryOptions(calls: 500, rate: 200, server: server)) && passed
        return passed
    }

    // MARK: - Helpers

    /// Median of five readings 200 ms apart, in KiB.
    private static func sampleRSS(_ server: ServerProcess) async -> Int? {
        var samples: [Int] = []
        for _ in 0..<5 {
            if let kib = server.residentKiB() { samples.append(kib) }
            try? await Task.sleep(for: .milliseconds(200))
        }
        guard !samples.isEmpty else { return nil }
        return samples.sorted()[samples.count / 2]
    }

    private static func mib(_ kib: Int) -> String { format(Double(kib) / 1024, 1) }

    private static func reportLoad(_ load: MachineLoad, name: String) {
        report("\(name): \(load.summary)")
        if load.disturbed {
            report("\(name): WARNING: other processes used \(format(load.others, 2)) cores during the run; "
                + "the figures understate the server (run again on a quiet machine)", error: true)
        }
    }

    private static func reportDetails(_ result: CallRunResult, counters: PhoneFarm.Counters, name: String) {
        report("\(name): \(counters.sent) SIP messages sent, \(counters.received) received, "
            + "\(counters.retransmitted) retransmitted by the bench, \(counters.retransmissionsReceived) retransmitted by the server, "
            + "\(result.delayedStarts) calls started late, wall \(format(result.seconds, 1)) s")
        let oddities = counters.parseErrors + counters.strayResponses + counters.unexpectedRequests
        if oddities > 0 {
            report("\(name): \(counters.parseErrors) unparseable, \(counters.strayResponses) stray responses, "
                + "\(counters.unexpectedRequests) unexpected requests", error: true)
        }
        for (reason, count) in result.failureReasons.sorted(by: { $0.value > $1.value }) {
            report("\(name): FAILED \(count)× \(reason)", error: true)
        }
        for trace in result.failureTraces.prefix(1) {
            report("\(name): first failed call:\n\(trace)", error: true)
        }
        for text in result.protocolErrors.prefix(2) {
            report("\(name): protocol error: \(text)", error: true)
        }
    }
}
