/// The payload of an RFC 4733 telephone-event RTP packet (§2.3):
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     event     |E|R| volume    |          duration             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct TelephoneEvent: Sendable, Equatable {
    /// Event code (§3.2: 0–9, 10 `*`, 11 `#`, 12–15 A–D; others are tones).
    public var event: UInt8
    /// E bit: the last packets of the event (sent three times, §2.5.1.4).
    public var isEnd: Bool
    /// Power of the tone in -dBm0, 0 to 63 (§2.5.2.2: 0 is loudest).
    public var volume: UInt8
    /// Duration so far in timestamp units (8000 per second), counted from the
    /// event's RTP timestamp.
    public var duration: UInt16

    public init(event: UInt8, isEnd: Bool = false, volume: UInt8 = 10, duration: UInt16) {
        self.event = event
        self.isEnd = isEnd
        self.volume = volume & 0x3F
        self.duration = duration
    }

    /// The event of a key.
    public init(digit: DTMFDigit, isEnd: Bool = false, volume: UInt8 = 10, duration: UInt16) {
        self.init(event: UInt8(digit.event), isEnd: isEnd, volume: volume, duration: duration)
    }

    /// Parses a payload; nil when shorter than 4 bytes. Several events in one packet
    /// (redundancy, RFC 2198) are not used by phones; only the first is read.
    public init?(payload: some Collection<UInt8>) {
        guard payload.count >= 4 else { return nil }
        let bytes = Array(payload.prefix(4))
        event = bytes[0]
        isEnd = bytes[1] & 0x80 != 0
        // The R bit is reserved: ignored on receipt (§2.3).
        volume = bytes[1] & 0x3F
        duration = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
    }

    /// The 4-byte payload (R bit zero).
    public var payload: [UInt8] {
        [event, (isEnd ? 0x80 : 0) | (volume & 0x3F), UInt8(duration >> 8), UInt8(duration & 0xFF)]
    }

    /// The key, when the event is one.
    public var digit: DTMFDigit? { DTMFDigit(event: Int(event)) }

    /// The packets a sender emits for one key press (§2.5.1): one every
    /// `packetMilliseconds` with the duration so far (the first with the RTP marker
    /// bit), then the end packet three times with the final duration. All carry the
    /// same RTP timestamp, that of the event's start.
    public static func packets(
        for digit: DTMFDigit, milliseconds: Int = 100, packetMilliseconds: Int = 20, volume: UInt8 = 10
    ) -> [TelephoneEvent] {
        let step = 8 * packetMilliseconds
        let total = min(8 * milliseconds, Int(UInt16.max))
        var packets: [TelephoneEvent] = []
        var duration = step
        while duration < total {
            packets.append(TelephoneEvent(digit: digit, volume: volume, duration: UInt16(duration)))
            duration += step
        }
        let end = TelephoneEvent(digit: digit, isEnd: true, volume: volume, duration: UInt16(total))
        packets.append(contentsOf: [end, end, end])
        return packets
    }
}
