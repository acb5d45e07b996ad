import NIOCore
import Synchronization

/// How long received messages wait for the signalling loop: the overload gate's
/// fastest signal. Occupancy says the signalling thread is full, but not by how much
/// (it reads 100 % at 101 % of capacity and at 200 %); while the admitted share creeps
/// down, a queue of seconds builds and every client retransmits. The queue's own delay
/// says it at once.
///
/// Like CoDel (RFC 8289) it looks at the smallest wait in a window (`window`), not the
/// last one: a burst, or a core taken away for a few milliseconds, makes single waits
/// long without a queue standing; a window whose shortest wait is past the target
/// means one is. The I/O thread counts messages handed over; the signalling loop counts
/// them delivered, with each burst's wait. With nothing in flight there is no queue,
/// whatever the last window said.
public final class HandOverMeter: Sendable {
    /// Messages handed to the signalling loop and not delivered yet.
    private let inFlight = Atomic<Int>(0)
    /// The smallest wait in the last full window, nanoseconds.
    private let standing = Atomic<Int64>(0)
    /// The current window (signalling loop only).
    private let current = Mutex(Window())
    private let window: Int64

    private struct Window {
        var start: Int64 = 0
        var shortest: Int64 = .max
    }

    /// `window`: how long a wait must stand to count (default 50 ms).
    public init(window: TimeAmount = .milliseconds(50)) {
        self.window = window.nanoseconds
    }

    /// Monotonic nanoseconds, the stamp of a hand-over.
    public static func now() -> Int64 { Int64(NIODeadline.now().uptimeNanoseconds) }

    /// `count` messages were handed over (I/O thread).
    public func handed(_ count: Int) {
        inFlight.add(count, ordering: .relaxed)
    }

    /// `count` messages handed over at `stamp` were delivered now (signalling loop).
    public func delivered(_ count: Int, handedAt stamp: Int64, now: Int64 = HandOverMeter.now()) {
        inFlight.subtract(count, ordering: .relaxed)
        let wait = max(0, now - stamp)
        current.withLock { current in
            if current.start == 0 { current.start = now }
            current.shortest = min(current.shortest, wait)
            if now - current.start >= window {
                standing.store(current.shortest, ordering: .relaxed)
                current = Window(start: now)
            }
        }
    }

    /// The wait that stands in the queue now (0 when nothing is in flight), nanoseconds.
    public var standingDelay: Int64 {
        inFlight.load(ordering: .relaxed) > 0 ? standing.load(ordering: .relaxed) : 0
    }

    /// Messages handed over and not delivered yet.
    public var pending: Int { inFlight.load(ordering: .relaxed) }
}
