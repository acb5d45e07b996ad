import Testing
import TelefoniaCore

@Suite struct TelephoneEventTests {
    /// The payload layout of RFC 4733 §2.3: event, E bit, volume, 16-bit duration.
    @Test func encodesAndDecodesThePayload() {
        let event = TelephoneEvent(digit: .pound, isEnd: true, volume: 10, duration: 1600)
        #expect(event.payload == [11, 0x8A, 0x06, 0x40])
        #expect(TelephoneEvent(payload: [11, 0x8A, 0x06, 0x40]) == event)
        // The reserved R bit is ignored; the volume has 6 bits.
        let parsed = TelephoneEvent(payload: [5, 0x7F, 0xFF, 0xFF])
        #expect(parsed == TelephoneEvent(event: 5, isEnd: false, volume: 63, duration: 65535))
        #expect(parsed?.digit == .five)
        #expect(TelephoneEvent(payload: [1, 2, 3]) == nil)
        #expect(TelephoneEvent(event: 16, duration: 160).digit == nil)
        #expect(DTMFDigit.allCases.map(\.event).sorted() == Array(0...15))
        for digit in DTMFDigit.allCases { #expect(DTMFDigit(event: digit.event) == digit) }
        #expect(DTMFDigit(event: 16) == nil)
    }

    /// A sender's packets for one press: updates every 20 ms, then the end three times.
    @Test func buildsTheSenderPackets() {
        let packets = TelephoneEvent.packets(for: .seven, milliseconds: 100)
        #expect(packets.map(\.duration) == [160, 320, 480, 640, 800, 800, 800])
        #expect(packets.map(\.isEnd) == [false, false, false, false, true, true, true])
        #expect(packets.allSatisfy { $0.event == 7 })
    }

    /// A stream of presses, each with its updates and three end packets, gives each digit once.
    @Test func receiverReportsEachPressOnce() {
        var receiver = TelephoneEventReceiver()
        var digits = ""
        var timestamp: UInt32 = 4_294_960_000 // wraps during the test
        for character in "1234#" {
            for packet in TelephoneEvent.packets(for: DTMFDigit(character)!, milliseconds: 120) {
                if let digit = receiver.receive(timestamp: timestamp, payload: packet.payload) { digits.append(digit.character) }
            }
            timestamp &+= 2400
        }
        #expect(digits == "1234#")
    }

    /// Lost start packets (only the end arrives), a retransmitted end arriving after the
    /// next press, and the same key pressed twice are each handled right.
    @Test func receiverHandlesLossReorderingAndRepeats() {
        var receiver = TelephoneEventReceiver()
        let end1 = TelephoneEvent(digit: .one, isEnd: true, duration: 800)
        // Only the end packets of the first press arrived.
        #expect(receiver.receive(timestamp: 1000, event: end1) == .one)
        #expect(receiver.receive(timestamp: 1000, event: end1) == nil)
        // The same key again: a new timestamp, a new press.
        #expect(receiver.receive(timestamp: 3000, event: TelephoneEvent(digit: .one, duration: 160)) == .one)
        // A straggler of the first press, after the second began.
        #expect(receiver.receive(timestamp: 1000, event: end1) == nil)
        #expect(receiver.receive(timestamp: 3000, event: TelephoneEvent(digit: .one, isEnd: true, duration: 640)) == nil)
        // Non-key events (16 is hook flash) report nothing.
        #expect(receiver.receive(timestamp: 5000, event: TelephoneEvent(event: 16, duration: 160)) == nil)
        // Too-short payloads are ignored.
        #expect(receiver.receive(timestamp: 7000, payload: [1, 2]) == nil)
    }

    /// A key held longer than 8 s continues in a new segment (RFC 4733 §2.5.1.3): still one press.
    @Test func receiverJoinsLongEventSegments() {
        var receiver = TelephoneEventReceiver()
        #expect(receiver.receive(timestamp: 0, event: TelephoneEvent(digit: .zero, duration: 65535)) == .zero)
        #expect(receiver.receive(timestamp: 65535, event: TelephoneEvent(digit: .zero, duration: 160)) == nil)
        #expect(receiver.receive(timestamp: 65535, event: TelephoneEvent(digit: .zero, isEnd: true, duration: 800)) == nil)
        #expect(receiver.receive(timestamp: 90000, event: TelephoneEvent(digit: .zero, duration: 160)) == .zero)
    }
}
