/// A jitter buffer for a terminated RTP stream of 20 ms packets, keyed by RTP
/// sequence number (RFC 3550 §5.1; 16 bits, wrapping).
///
/// The media clock calls `pop()` every 20 ms. Packets arriving out of order are put
/// back in order; a packet for a slot already played is late and dropped; a slot
/// whose packet never came is reported `missing` so the caller conceals it (see
/// `LossConcealer`). Playout starts once `depth` packets are waiting (the delay that
/// absorbs jitter) and restarts the same way after a long gap (hold, silence
/// suppression). The buffer never holds more than `capacity` packets: when a sender
/// runs ahead, the oldest slots are skipped.
///
/// A jump of more than `capacity` slots (a sender that restarted its sequence) is
/// believed once two packets in a row confirm it (the RFC 3550 §A.1 probation idea).
public struct JitterBuffer<Payload: Sendable>: Sendable {
    /// What the clock tick gets.
    public enum Playout: Sendable {
        /// The packet for this slot.
        case frame(Payload, sequence: UInt16)
        /// This slot's packet is missing: conceal it.
        case missing(sequence: UInt16)
        /// Not playing (still filling, or the stream stopped): play nothing or comfort noise.
        case waiting
    }

    /// What became of an inserted packet.
    public enum Insertion: Sendable, Equatable {
        case accepted
        /// Its slot was already played (or skipped).
        case late
        case duplicate
        /// Far from the expected sequence; kept aside until the next packet confirms a restart.
        case probation
        /// Accepted after older slots were dropped to stay within `capacity`.
        case acceptedDroppingOldest(Int)
    }

    /// Packets waiting before playout starts (3 = 60 ms of jitter absorbed).
    public let depth: Int
    /// Most packets held.
    public let capacity: Int
    /// Missing slots in a row, with nothing buffered, after which playout stops and
    /// waits to refill (10 = 200 ms).
    public let maximumConcealment: Int

    private var slots: [UInt16: Payload] = [:]
    /// Sequence of the next slot to play; nil before the first packet.
    private var next: UInt16?
    private var playing = false
    private var missingInARow = 0
    private var probation: (sequence: UInt16, payload: Payload)?

    /// Counters for diagnostics and tests.
    public private(set) var statistics = Statistics()

    /// Counters of what happened to packets.
    public struct Statistics: Sendable, Equatable {
        public var played = 0
        public var concealed = 0
        public var late = 0
        public var duplicates = 0
        public var dropped = 0
        public var restarts = 0
    }

    public init(depth: Int = 3, capacity: Int = 50, maximumConcealment: Int = 10) {
        precondition(depth >= 1 && capacity >= depth, "a jitter buffer needs 1 <= depth <= capacity")
        self.depth = depth
        self.capacity = capacity
        self.maximumConcealment = maximumConcealment
    }

    /// Packets held now.
    public var count: Int { slots.count }

    /// Adds a received packet.
    @discardableResult
    public mutating func insert(sequence: UInt16, payload: Payload) -> Insertion {
        guard let expected = next else {
            next = sequence
            slots[sequence] = payload
            return .accepted
        }
        let offset = Int(Int16(bitPattern: sequence &- expected))
        if offset < -capacity || offset >= 2 * capacity {
            // Far away: a restarted stream, or garbage. Believe it when the next packet follows it.
            if let candidate = probation, sequence == candidate.sequence &+ 1 {
                restart(at: candidate.sequence)
                slots[candidate.sequence] = candidate.payload
                probation = nil
                return insert(sequence: sequence, payload: payload)
            }
            probation = (sequence, payload)
            return .probation
        }
        probation = nil
        if offset < 0 && statistics.played + statistics.concealed == 0 && slots.count < capacity {
            // Nothing played yet from here: an earlier packet that came second still fits.
            next = sequence
            slots[sequence] = payload
            return .accepted
        }
        if offset < 0 {
            statistics.late += 1
            return .late
        }
        if slots[sequence] != nil {
            statistics.duplicates += 1
            return .duplicate
        }
        slots[sequence] = payload
        // Too far ahead: skip the oldest slots so the newest fits within capacity.
        let overflow = offset - (capacity - 1)
        if overflow > 0 {
            var dropped = 0
            for step in 0..<overflow where slots.removeValue(forKey: expected &+ UInt16(step)) != nil {
                dropped += 1
            }
            next = expected &+ UInt16(overflow)
            statistics.dropped += dropped
            return .acceptedDroppingOldest(dropped)
        }
        return .accepted
    }

    /// The next 20 ms slot.
    public mutating func pop() -> Playout {
        guard let slot = next else { return .waiting }
        if !playing {
            guard slots.count >= depth else { return .waiting }
            // Start from the oldest packet held.
            next = oldestHeld(from: slot)
            playing = true
        }
        let sequence = next!
        next = sequence &+ 1
        if let payload = slots.removeValue(forKey: sequence) {
            missingInARow = 0
            statistics.played += 1
            return .frame(payload, sequence: sequence)
        }
        missingInARow += 1
        if slots.isEmpty && missingInARow > maximumConcealment {
            // The stream stopped (hold, silence suppression): refill before playing again.
            playing = false
            missingInARow = 0
            return .waiting
        }
        statistics.concealed += 1
        return .missing(sequence: sequence)
    }

    /// Drops everything (a new stream after a re-INVITE).
    public mutating func reset() {
        self = JitterBuffer(depth: depth, capacity: capacity, maximumConcealment: maximumConcealment)
    }

    private mutating func restart(at sequence: UInt16) {
        statistics.dropped += slots.count
        statistics.restarts += 1
        slots.removeAll()
        next = sequence
        playing = false
        missingInARow = 0
    }

    /// The held sequence closest after `start` (wrapping), or `start` when none is held.
    private func oldestHeld(from start: UInt16) -> UInt16 {
        slots.keys.min { ($0 &- start) < ($1 &- start) } ?? start
    }
}

extension JitterBuffer.Playout: Equatable where Payload: Equatable {}
