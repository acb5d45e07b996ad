import Foundation

/// Decoded PCM by file path, least recently used first out, bounded by samples held.
final class PCMCache: @unchecked Sendable {
    private let capacity: Int
    private let lock = NSLock()
    private var entries: [String: (samples: [Int16], lastUse: UInt64)] = [:]
    private var held = 0
    private var clock: UInt64 = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    func samples(for path: String) -> [Int16]? {
        lock.withLock {
            guard let entry = entries[path] else { return nil }
            clock += 1
            entries[path]?.lastUse = clock
            return entry.samples
        }
    }

    func insert(_ samples: [Int16], for path: String) {
        guard samples.count <= capacity else { return }
        lock.withLock {
            clock += 1
            if let old = entries.updateValue((samples, clock), forKey: path) { held -= old.samples.count }
            held += samples.count
            while held > capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                entries[oldest.key] = nil
                held -= oldest.value.samples.count
            }
        }
    }

    func remove(_ path: String) {
        lock.withLock {
            if let old = entries.removeValue(forKey: path) { held -= old.samples.count }
        }
    }
}
