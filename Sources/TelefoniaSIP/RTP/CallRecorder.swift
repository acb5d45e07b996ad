import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import TelefoniaCore
import TelefoniaMedia

/// Records both directions of a relayed call as a two-channel WAV (caller left,
/// callee right) while it happens (T2, R8).
///
/// Packets are placed by arrival time into 20 ms slots, so the two directions stay
/// aligned whatever their RTP timestamps; a slot a side sent nothing for is silence.
/// Slots are written once they are 200 ms old, and `WAVWriter` flushes every second,
/// so a crash loses at most about a second, never the file.
final class CallRecorder: RelayTap, @unchecked Sendable {
    let url: URL
    private let writer: WAVWriter
    private let startNanos: Int64
    private let lock = NIOLock()
    private var slots: [Int: (left: [Int16]?, right: [Int16]?)] = [:]
    private var nextSlot = 0
    private var failed = false
    private let logger: Logger

    private static let slotNanos: Int64 = 20_000_000
    private static let delaySlots = 10

    init(url: URL, logger: Logger) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        self.url = url
        self.writer = try WAVWriter(url: url, channels: 2, sampleRate: 8000)
        self.startNanos = MediaClock.monotonicNanos()
        self.logger = logger
    }

    func relayed(from side: LegSide, packet: ByteBuffer) {
        guard let samples = Self.decode(packet) else { return }
        let slot = Int((MediaClock.monotonicNanos() - startNanos) / Self.slotNanos)
        lock.withLock {
            guard slot >= nextSlot else { return }
            var entry = slots[slot] ?? (nil, nil)
            if side == .a { entry.left = samples } else { entry.right = samples }
            slots[slot] = entry
            writeSlots(upTo: slot - Self.delaySlots)
        }
    }

    /// Writes what is left and closes the file; returns its duration (s) and size (bytes).
    func finish() -> (seconds: Int, bytes: Int64) {
        lock.withLock {
            writeSlots(upTo: (slots.keys.max() ?? nextSlot - 1) + 1)
            try? writer.close()
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int64) ?? 0
        return (nextSlot * 20 / 1000, size ?? 0)
    }

    private func writeSlots(upTo last: Int) {
        guard !failed, last >= nextSlot else { return }
        var left: [Int16] = []
        var right: [Int16] = []
        left.reserveCapacity((last - nextSlot) * 160)
        right.reserveCapacity((last - nextSlot) * 160)
        let silence = [Int16](repeating: 0, count: 160)
        for slot in nextSlot..<last {
            let entry = slots.removeValue(forKey: slot)
            left += Self.fit(entry?.left ?? silence)
            right += Self.fit(entry?.right ?? silence)
        }
        nextSlot = last
        do {
            try writer.write(left: left, right: right)
        } catch {
            failed = true
            logger.error("recording stopped: cannot write", metadata: ["path": "\(url.path)", "error": "\(error)"])
        }
    }

    private static func fit(_ samples: [Int16]) -> [Int16] {
        if samples.count == 160 { return samples }
        if samples.count > 160 { return Array(samples.prefix(160)) }
        return samples + [Int16](repeating: 0, count: 160 - samples.count)
    }

    /// G.711 audio of an RTP packet, nil otherwise.
    static func decode(_ packet: ByteBuffer) -> [Int16]? {
        RTPAudio(packet)?.samples
    }
}
