import Testing
import TelefoniaCore

@Suite struct JitterBufferTests {
    /// Pops until `count` slots were played (frames or missing), collecting what came out.
    private func drain(_ buffer: inout JitterBuffer<Int>, _ count: Int) -> [String] {
        (0..<count).map { _ in
            switch buffer.pop() {
            case .frame(let value, let sequence): "\(sequence):\(value)"
            case .missing(let sequence): "\(sequence):-"
            case .waiting: "wait"
            }
        }
    }

    /// Packets arriving out of order are played in order after the initial depth fills.
    @Test func reordersPackets() {
        var buffer = JitterBuffer<Int>(depth: 3)
        #expect(buffer.pop() == .waiting)
        buffer.insert(sequence: 11, payload: 11)
        #expect(buffer.pop() == .waiting)
        buffer.insert(sequence: 10, payload: 10) // came second, still before playout
        buffer.insert(sequence: 13, payload: 13)
        buffer.insert(sequence: 12, payload: 12)
        #expect(drain(&buffer, 4) == ["10:10", "11:11", "12:12", "13:13"])
    }

    /// A packet for a slot already played is late and dropped; a duplicate is dropped.
    @Test func dropsLateAndDuplicatePackets() {
        var buffer = JitterBuffer<Int>(depth: 1)
        buffer.insert(sequence: 100, payload: 100)
        #expect(drain(&buffer, 1) == ["100:100"])
        #expect(buffer.insert(sequence: 100, payload: 100) == .late)
        #expect(buffer.insert(sequence: 99, payload: 99) == .late)
        #expect(buffer.insert(sequence: 101, payload: 101) == .accepted)
        #expect(buffer.insert(sequence: 101, payload: 101) == .duplicate)
        #expect(buffer.statistics.late == 2)
        #expect(buffer.statistics.duplicates == 1)
    }

    /// A lost packet is reported missing so it can be concealed; playout goes on.
    @Test func reportsMissingSlots() {
        var buffer = JitterBuffer<Int>(depth: 2)
        for sequence: UInt16 in [1, 2, 4, 5] { buffer.insert(sequence: sequence, payload: Int(sequence)) }
        #expect(drain(&buffer, 5) == ["1:1", "2:2", "3:-", "4:4", "5:5"])
        #expect(buffer.statistics.concealed == 1)
    }

    /// Sequence numbers wrap from 65535 to 0 without a hiccup.
    @Test func handlesSequenceWrap() {
        var buffer = JitterBuffer<Int>(depth: 2)
        for sequence: UInt16 in [65534, 0, 65535, 1] { buffer.insert(sequence: sequence, payload: Int(sequence)) }
        #expect(drain(&buffer, 4) == ["65534:65534", "65535:65535", "0:0", "1:1"])
    }

    /// The buffer never holds more than its capacity: a sender far ahead makes it skip the oldest slots.
    @Test func staysBounded() {
        var buffer = JitterBuffer<Int>(depth: 1, capacity: 5)
        for sequence: UInt16 in 0..<5 { buffer.insert(sequence: sequence, payload: Int(sequence)) }
        #expect(buffer.insert(sequence: 7, payload: 7) == .acceptedDroppingOldest(3))
        #expect(buffer.count <= 5)
        #expect(drain(&buffer, 5) == ["3:3", "4:4", "5:-", "6:-", "7:7"])
    }

    /// After a long silence (hold) playout stops, then refills to the depth before playing again.
    @Test func refillsAfterTheStreamStops() {
        var buffer = JitterBuffer<Int>(depth: 2, maximumConcealment: 3)
        buffer.insert(sequence: 1, payload: 1)
        buffer.insert(sequence: 2, payload: 2)
        #expect(drain(&buffer, 7) == ["1:1", "2:2", "3:-", "4:-", "5:-", "wait", "wait"])
        buffer.insert(sequence: 9, payload: 9)
        #expect(drain(&buffer, 1) == ["wait"])
        buffer.insert(sequence: 10, payload: 10)
        #expect(drain(&buffer, 2) == ["9:9", "10:10"])
    }

    /// A sender that restarts its sequence far away is followed once two packets agree; a lone stray is not.
    @Test func followsARestartedStream() {
        var buffer = JitterBuffer<Int>(depth: 1)
        buffer.insert(sequence: 100, payload: 100)
        #expect(drain(&buffer, 1) == ["100:100"])
        #expect(buffer.insert(sequence: 30000, payload: 0) == .probation)
        #expect(buffer.insert(sequence: 101, payload: 101) == .accepted)
        #expect(buffer.insert(sequence: 40000, payload: 40000) == .probation)
        #expect(buffer.insert(sequence: 40001, payload: 40001) == .accepted)
        #expect(drain(&buffer, 2) == ["40000:40000", "40001:40001"])
        #expect(buffer.statistics.restarts == 1)
    }

    /// The concealer repeats the last frame once at half level, then plays silence.
    @Test func concealerRepeatsThenSilences() {
        var concealer = LossConcealer(frameLength: 4)
        var buffer = JitterBuffer<[Int16]>(depth: 1)
        buffer.insert(sequence: 1, payload: [1000, -1000, 400, 0])
        buffer.insert(sequence: 4, payload: [7, 7, 7, 7])
        var played: [[Int16]] = []
        for _ in 0..<4 { if let frame = concealer.frame(for: buffer.pop()) { played.append(frame) } }
        #expect(played == [[1000, -1000, 400, 0], [500, -500, 200, 0], [0, 0, 0, 0], [7, 7, 7, 7]])
    }
}
