import NIOCore
import TelefoniaCore

/// Reads the keys a relayed call's phones press (RFC 4733 telephone-event packets, the
/// payload type each side negotiated), for in-call feature codes (P5). The packets are
/// relayed unchanged; this only watches. Only the sides given a payload type are
/// watched (a line's phone; a trunk's caller pressing `*1` transfers nothing).
///
/// Packets of both sides arrive on the relay's one event loop, so the receivers need
/// no lock; `pressed` is called there and must hop to the signalling loop itself.
final class RelayDigitTap: RelayTap, @unchecked Sendable {
    /// The watched payload type of each side (a dynamic type, 96–127), nil: not watched.
    private let aType: UInt8?
    private let bType: UInt8?
    private var aReceiver = TelephoneEventReceiver()
    private var bReceiver = TelephoneEventReceiver()
    private let pressed: @Sendable (LegSide, DTMFDigit) -> Void

    init(payloadTypes: [LegSide: Int], pressed: @escaping @Sendable (LegSide, DTMFDigit) -> Void) {
        func dynamic(_ type: Int?) -> UInt8? { type.flatMap { (96...127).contains($0) ? UInt8($0) : nil } }
        aType = dynamic(payloadTypes[.a])
        bType = dynamic(payloadTypes[.b])
        self.pressed = pressed
    }

    /// On every relayed packet of the call: one byte compared unless it is an event.
    func relayed(from side: LegSide, packet: ByteBuffer) {
        guard let payloadType = side == .a ? aType : bType,
              let event = Self.telephoneEvent(in: packet, payloadType: payloadType) else { return }
        let digit = side == .a ? aReceiver.receive(timestamp: event.timestamp, event: event.event)
            : bReceiver.receive(timestamp: event.timestamp, event: event.event)
        if let digit { pressed(side, digit) }
    }

    /// The RTP timestamp and event of a telephone-event packet of `payloadType`; nil for
    /// any other packet (audio, another type, too short for its header).
    static func telephoneEvent(in packet: ByteBuffer, payloadType: UInt8) -> (timestamp: UInt32, event: TelephoneEvent)? {
        let start = packet.readerIndex
        guard let first = packet.getInteger(at: start, as: UInt8.self),
              let second = packet.getInteger(at: start + 1, as: UInt8.self), second & 0x7F == payloadType,
              let timestamp = packet.getInteger(at: start + 4, as: UInt32.self) else { return nil }
        // Fixed header, CSRCs, then the extension header and its words (RFC 3550 §5.1, §5.3.1).
        var offset = 12 + 4 * Int(first & 0x0F)
        if first & 0x10 != 0 {
            guard let words = packet.getInteger(at: start + offset + 2, as: UInt16.self) else { return nil }
            offset += 4 + 4 * Int(words)
        }
        guard let payload = packet.getBytes(at: start + offset, length: 4), let event = TelephoneEvent(payload: payload) else {
            return nil
        }
        return (timestamp, event)
    }
}
