/// Fills the 20 ms frames a jitter buffer reports missing.
///
/// The first missing frame repeats the last good one at half level (a short loss is
/// then barely heard; G.711 Appendix I does the same with pitch tracking), further
/// missing frames in a row are silence, so a long loss never buzzes.
public struct LossConcealer: Sendable {
    /// Samples per frame (160: 20 ms at 8 kHz).
    public let frameLength: Int
    /// Missing frames in a row that repeat the last good one (fading each time).
    public let repeats: Int
    private var last: [Int16]
    private var missingInARow = 0

    public init(frameLength: Int = 160, repeats: Int = 1) {
        self.frameLength = frameLength
        self.repeats = repeats
        last = Array(repeating: 0, count: frameLength)
    }

    /// A frame that arrived: remembered and passed through.
    public mutating func received(_ frame: [Int16]) -> [Int16] {
        last = frame
        missingInARow = 0
        return frame
    }

    /// A frame for a missing slot.
    public mutating func missing() -> [Int16] {
        missingInARow += 1
        guard missingInARow <= repeats else { return Array(repeating: 0, count: frameLength) }
        let shift = missingInARow
        var frame = last
        for index in frame.indices { frame[index] >>= shift }
        return frame
    }

    /// The frame to play for a jitter buffer slot of PCM: the frame, a concealed one,
    /// or nil while the buffer is waiting.
    public mutating func frame(for playout: JitterBuffer<[Int16]>.Playout) -> [Int16]? {
        switch playout {
        case .frame(let frame, _): received(frame)
        case .missing: missing()
        case .waiting: nil
        }
    }
}
