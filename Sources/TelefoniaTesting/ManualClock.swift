import Foundation
import TelefoniaCore

/// A `WallClock` that only moves when told to, with a timer scheduler on top, so
/// tests and the simulator run hours of calls in microseconds and never sleep.
///
/// Timers are named by a string id. Advancing the clock fires every timer that
/// falls due, earliest first (timers due at the same instant fire in the order they
/// were scheduled), with `nowMillis()` set to each timer's deadline while its
/// handler runs; a handler may schedule or cancel timers, and a timer it schedules
/// inside the advanced span fires in the same call.
public final class ManualClock: WallClock, @unchecked Sendable {
    private struct Entry {
        var deadline: Int64
        var sequence: UInt64
        var id: String

        func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
        }
    }

    /// 2025-01-01T12:00:00Z: a fixed, readable default so records are reproducible.
    public static let defaultStartMillis: Int64 = 1_735_732_800_000

    private let lock = NSLock()
    private var now: Int64
    /// A binary min-heap of timers; cancelled ones stay until popped (lazy deletion).
    private var heap: [Entry] = []
    /// The live sequence number of every scheduled id: an entry whose sequence differs was cancelled or replaced.
    private var live: [String: UInt64] = [:]
    private var nextSequence: UInt64 = 0

    /// A clock showing `startMillis` (unix milliseconds).
    public init(startMillis: Int64 = ManualClock.defaultStartMillis) {
        self.now = startMillis
    }

    /// Unix time in milliseconds, as last set by `advance`.
    public func nowMillis() -> Int64 {
        lock.withLock { now }
    }

    // MARK: - Timers

    /// Schedules (or reschedules) the timer `id` to fire at `millis` (unix ms). A
    /// deadline already past fires at the next `advance`, at the then current time.
    public func schedule(at millis: Int64, id: String) {
        lock.withLock {
            let sequence = nextSequence
            nextSequence += 1
            live[id] = sequence
            push(Entry(deadline: millis, sequence: sequence, id: id))
        }
    }

    /// Schedules (or reschedules) the timer `id` to fire `millis` milliseconds from now.
    public func schedule(afterMillis millis: Int64, id: String) {
        schedule(at: nowMillis() + millis, id: id)
    }

    /// Schedules (or reschedules) the timer `id` to fire `seconds` from now.
    public func schedule(afterSeconds seconds: Int, id: String) {
        schedule(afterMillis: Int64(seconds) * 1000, id: id)
    }

    /// Cancels the timer `id`; returns whether it was pending.
    @discardableResult
    public func cancel(id: String) -> Bool {
        lock.withLock { live.removeValue(forKey: id) != nil }
    }

    /// Whether the timer `id` is scheduled and has not fired.
    public func isScheduled(id: String) -> Bool {
        lock.withLock { live[id] != nil }
    }

    /// How many timers are pending.
    public var pendingCount: Int {
        lock.withLock { live.count }
    }

    /// The deadline of the earliest pending timer, if any.
    public var nextDeadline: Int64? {
        lock.withLock {
            dropCancelled()
            return heap.first?.deadline
        }
    }

    // MARK: - Moving time

    /// Moves the clock to `millis` (never backwards), firing due timers in order.
    /// Returns the ids that fired.
    @discardableResult
    public func advance(to millis: Int64, fire: (String) -> Void = { _ in }) -> [String] {
        var fired: [String] = []
        while let id = popDue(upTo: millis) {
            fired.append(id)
            fire(id)
        }
        lock.withLock { now = max(now, millis) }
        return fired
    }

    /// Moves the clock forward by `millis` milliseconds, firing due timers in order.
    @discardableResult
    public func advance(byMillis millis: Int64, fire: (String) -> Void = { _ in }) -> [String] {
        advance(to: nowMillis() + millis, fire: fire)
    }

    /// Moves the clock forward by `seconds`, firing due timers in order.
    @discardableResult
    public func advance(by seconds: Int, fire: (String) -> Void = { _ in }) -> [String] {
        advance(byMillis: Int64(seconds) * 1000, fire: fire)
    }

    /// Moves the clock forward by a duration (sub-millisecond parts are dropped).
    @discardableResult
    public func advance(by duration: Duration, fire: (String) -> Void = { _ in }) -> [String] {
        let (seconds, attoseconds) = duration.components
        return advance(byMillis: seconds * 1000 + attoseconds / 1_000_000_000_000_000, fire: fire)
    }

    /// Fires the earliest pending timer, whatever its deadline, moving the clock to it
    /// (or leaving it where it is for a deadline in the past). Returns its id, or nil when idle.
    @discardableResult
    public func fireNext(_ fire: (String) -> Void = { _ in }) -> String? {
        guard let id = popDue(upTo: .max) else { return nil }
        fire(id)
        return id
    }

    /// Fires the earliest pending timer due at or before `limit` (unix ms), moving the
    /// clock to it. Returns its id, or nil when none is due by then.
    @discardableResult
    public func fireNext(dueBy limit: Int64, _ fire: (String) -> Void = { _ in }) -> String? {
        guard let id = popDue(upTo: limit) else { return nil }
        fire(id)
        return id
    }

    // MARK: - Heap

    /// Removes the earliest live timer due at or before `limit` and moves the clock to it.
    private func popDue(upTo limit: Int64) -> String? {
        lock.withLock {
            dropCancelled()
            guard let first = heap.first, first.deadline <= limit else { return nil }
            pop()
            live[first.id] = nil
            now = max(now, first.deadline)
            return first.id
        }
    }

    private func dropCancelled() {
        while let first = heap.first, live[first.id] != first.sequence {
            pop()
        }
    }

    private func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private func pop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count, heap[right].precedes(heap[smallest]) { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
