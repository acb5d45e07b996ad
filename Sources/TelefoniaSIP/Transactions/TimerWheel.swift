import NIOCore

/// Timers for the transaction layer that cost O(1) to arm and to cancel.
///
/// Every SIP transaction arms two or three timers and cancels most of them within
/// milliseconds (a response arrives, an ACK stops a retransmission). As NIO scheduled
/// tasks each cancel is a removal from the loop's priority queue, which a profile at
/// 900 calls/s put first on the signalling thread (8 %). Here a timer is an entry in
/// one of `slots` buckets of `tick` milliseconds; cancelling forgets its id (the bucket
/// entry is skipped when its turn comes: lazy expiry), and one repeated loop task per
/// tick runs what is due. Timers fire up to one tick late, never early; SIP's own
/// timers (T1 = 500 ms and up) are far coarser.
///
/// Used on its event loop only, like the layer that owns it.
final class TimerWheel {
    /// A timer armed on the wheel; `cancel` through the wheel.
    struct Handle: Hashable {
        fileprivate let id: UInt64
    }

    private struct Entry {
        var id: UInt64
        /// Whole turns of the wheel still to wait when the bucket comes round.
        var rounds: Int
    }

    let tickMillis: Int64
    private let loop: any EventLoop
    private var buckets: [[Entry]]
    private var actions: [UInt64: () -> Void] = [:]
    private var cursor = 0
    private var nextID: UInt64 = 0
    private var task: RepeatedTask?
    /// Ticks run so far, measured against the loop's clock so a late tick catches up.
    private var started: NIODeadline?
    private var ticksRun: Int64 = 0

    init(loop: any EventLoop, tickMillis: Int64 = 10, slots: Int = 1024) {
        precondition(tickMillis > 0 && slots > 0)
        self.loop = loop
        self.tickMillis = tickMillis
        self.buckets = Array(repeating: [], count: slots)
    }

    /// Timers armed and not yet fired or cancelled.
    var count: Int { actions.count }

    /// Runs `action` on the loop after `milliseconds` (rounded up to the next tick).
    @discardableResult
    func schedule(in milliseconds: Int64, _ action: @escaping () -> Void) -> Handle {
        startIfNeeded()
        nextID &+= 1
        let id = nextID
        // The tick at or after the due time, counted from the wheel's start: exact when
        // armed on a tick, up to one tick late otherwise, never early.
        let tickNanos = tickMillis * 1_000_000
        let due = (loop.now - started!).nanoseconds + max(0, milliseconds) * 1_000_000
        let ticks = max(1, Int((due + tickNanos - 1) / tickNanos - ticksRun))
        let slot = (cursor + ticks) % buckets.count
        buckets[slot].append(Entry(id: id, rounds: (ticks - 1) / buckets.count))
        actions[id] = action
        return Handle(id: id)
    }

    /// Forgets a timer; nothing happens if it already fired or was cancelled.
    func cancel(_ handle: Handle?) {
        guard let handle else { return }
        actions[handle.id] = nil
    }

    /// Cancels every timer and stops ticking.
    func stop() {
        task?.cancel()
        task = nil
        actions = [:]
        for i in buckets.indices where !buckets[i].isEmpty { buckets[i] = [] }
    }

    private func startIfNeeded() {
        guard task == nil else { return }
        started = loop.now
        ticksRun = 0
        task = loop.scheduleRepeatedTask(initialDelay: .milliseconds(tickMillis), delay: .milliseconds(tickMillis)) { [weak self] _ in
            self?.advance()
        }
    }

    /// Runs every tick that is due by the loop's clock (more than one when the loop was busy).
    func advance() {
        guard let started else { return }
        let due = (loop.now - started).nanoseconds / (tickMillis * 1_000_000)
        var steps = 0
        while ticksRun < due, steps < buckets.count {
            ticksRun += 1
            steps += 1
            runTick()
        }
        if ticksRun < due { ticksRun = due }
        if actions.isEmpty {
            // Nothing armed: stop ticking (an idle server does not wake 100 times a second);
            // the next `schedule` starts again from its own time.
            stop()
            self.started = nil
        }
    }

    private func runTick() {
        cursor = (cursor + 1) % buckets.count
        guard !buckets[cursor].isEmpty else { return }
        let entries = buckets[cursor]
        buckets[cursor] = []
        for var entry in entries {
            guard actions[entry.id] != nil else { continue }
            if entry.rounds > 0 {
                entry.rounds -= 1
                buckets[cursor].append(entry)
                continue
            }
            // Removed before it runs: an action may arm new timers (even in this slot).
            if let action = actions.removeValue(forKey: entry.id) { action() }
        }
    }
}
