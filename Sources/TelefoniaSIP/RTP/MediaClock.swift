import Foundation
import NIOConcurrencyHelpers

/// Something the media clock drives every 20 ms (a terminated RTP stream).
protocol MediaClockParticipant: AnyObject {
    /// One 20 ms step; `nowMillis` is monotonic. Returns false to be removed.
    func tick(nowMillis: Int64) -> Bool
}

/// A steady 20 ms clock on a thread of its own, for media the server terminates
/// (playback, digit collection). It sleeps to absolute deadlines
/// (`clock_nanosleep(TIMER_ABSTIME)`), so send times do not drift with the work
/// done in each tick, and it records how late each tick ran for the benchmarks.
final class MediaClock: @unchecked Sendable {
    static let frameMillis: Int64 = 20

    private let lock = NIOLock()
    private var participants: [ObjectIdentifier: any MediaClockParticipant] = [:]
    private var pending: [any MediaClockParticipant] = []
    private var thread: Thread?
    private var running = false
    /// Lateness of each tick in microseconds (bounded ring), for the benchmark.
    private var lateness: [Int32] = []
    private var latenessIndex = 0

    func add(_ participant: any MediaClockParticipant) {
        lock.withLock {
            pending.append(participant)
            if !running {
                running = true
                let thread = Thread { [weak self] in self?.run() }
                thread.name = "telefonia-media-clock"
                thread.qualityOfService = .userInteractive
                self.thread = thread
                thread.start()
            }
        }
    }

    var count: Int { lock.withLock { participants.count + pending.count } }

    /// Lateness percentiles of recent ticks in ms (p50, p99, max).
    func latenessPercentiles() -> (p50: Double, p99: Double, max: Double) {
        let sample = lock.withLock { lateness }.sorted()
        guard !sample.isEmpty else { return (0, 0, 0) }
        func at(_ q: Double) -> Double { Double(sample[min(sample.count - 1, Int(Double(sample.count) * q))]) / 1000 }
        return (at(0.5), at(0.99), Double(sample.last!) / 1000)
    }

    func stop() {
        lock.withLock { running = false }
    }

    private func run() {
        var next = Self.monotonicNanos()
        while true {
            let (active, keepRunning): ([any MediaClockParticipant], Bool) = lock.withLock {
                for p in pending { participants[ObjectIdentifier(p)] = p }
                pending.removeAll()
                return (Array(participants.values), running)
            }
            guard keepRunning else { return }
            let now = Self.monotonicNanos()
            recordLateness(now - next)
            let nowMillis = now / 1_000_000
            var finished: [ObjectIdentifier] = []
            for participant in active where !participant.tick(nowMillis: nowMillis) {
                finished.append(ObjectIdentifier(participant))
            }
            if !finished.isEmpty {
                lock.withLock { for id in finished { participants[id] = nil } }
            }
            next += Self.frameMillis * 1_000_000
            // Fell far behind (machine stalled): skip ahead instead of bursting.
            if Self.monotonicNanos() - next > 200_000_000 { next = Self.monotonicNanos() }
            var deadline = timespec(tv_sec: Int(next / 1_000_000_000), tv_nsec: Int(next % 1_000_000_000))
            while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil) == EINTR {}
        }
    }

    private func recordLateness(_ nanos: Int64) {
        let micros = Int32(clamping: max(0, nanos / 1000))
        lock.withLock {
            if lateness.count < 10_000 {
                lateness.append(micros)
            } else {
                lateness[latenessIndex] = micros
                latenessIndex = (latenessIndex + 1) % lateness.count
            }
        }
    }

    static func monotonicNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
