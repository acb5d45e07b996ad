/// Turns received RFC 4733 telephone-event packets into key presses, each exactly once.
///
/// A sender repeats an event's packets every 20 ms with a growing duration and sends
/// the end packet three times (§2.5.1.4), all with the same RTP timestamp; a new key
/// press gets a new timestamp (§2.5.1.2). So a press is identified by its timestamp:
/// the first packet seen with a new timestamp reports the key (as soon as possible,
/// so a prompt can stop at once), and every later packet with that timestamp (updates,
/// the three end packets, late or reordered duplicates) is ignored. A few recent
/// timestamps are remembered so a straggler arriving after the next key press is not
/// taken for a new one. A key held longer than the 16-bit duration allows (8 s) goes
/// on in a new segment with a new timestamp (§2.5.1.3); that is not a new press.
public struct TelephoneEventReceiver: Sendable {
    /// How many past presses are remembered.
    public static let memory = 8
    private var recent: [UInt32] = []
    /// The latest event seen: a segment starting where it stopped continues it.
    private var last: (timestamp: UInt32, event: TelephoneEvent)?

    public init() {}

    /// Takes one packet (its RTP timestamp and payload); returns the key when it starts a press.
    public mutating func receive(timestamp: UInt32, payload: some Collection<UInt8>) -> DTMFDigit? {
        guard let event = TelephoneEvent(payload: payload) else { return nil }
        return receive(timestamp: timestamp, event: event)
    }

    /// Takes one parsed event; returns the key when it starts a press.
    public mutating func receive(timestamp: UInt32, event: TelephoneEvent) -> DTMFDigit? {
        guard !recent.contains(timestamp) else {
            if let last, last.timestamp == timestamp, !last.event.isEnd { self.last = (timestamp, event) }
            return nil
        }
        let continues = last.map {
            !$0.event.isEnd && $0.event.event == event.event && timestamp == $0.timestamp &+ UInt32($0.event.duration)
        } ?? false
        last = (timestamp, event)
        // Events that are not keys (tones such as 16 flash or 32+ fax tones) are noted
        // too, so their repetitions are skipped, but report nothing.
        recent.append(timestamp)
        if recent.count > Self.memory { recent.removeFirst() }
        return continues ? nil : event.digit
    }

    /// Forgets past presses (a new RTP stream, after a re-INVITE changed the source).
    public mutating func reset() {
        recent.removeAll()
        last = nil
    }
}
