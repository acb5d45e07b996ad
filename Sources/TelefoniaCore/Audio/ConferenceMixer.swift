/// Mixing for conferences and listening: every participant hears the sum of the
/// others, never itself, clipped to 16 bits (saturation, not wrap-around).
///
/// Computed as total minus own frame, in 32-bit, so N participants cost 2·N
/// additions per sample instead of N².
public enum ConferenceMixer {
    /// Given each participant's 20 ms frame (nil or empty when it sent nothing, e.g.
    /// muted or a lost packet), what each one hears. All frames have the same length
    /// or are nil/empty; the outputs have that length (`frameLength` when every input is empty).
    public static func mix(_ frames: [[Int16]?], frameLength: Int = 160) -> [[Int16]] {
        let length = frames.lazy.compactMap { $0 }.first { !$0.isEmpty }?.count ?? frameLength
        var total = [Int32](repeating: 0, count: length)
        for frame in frames {
            guard let frame, !frame.isEmpty else { continue }
            precondition(frame.count == length, "conference frames must have the same length")
            for index in 0..<length { total[index] += Int32(frame[index]) }
        }
        return frames.map { frame in
            var output = [Int16](repeating: 0, count: length)
            if let frame, !frame.isEmpty {
                for index in 0..<length { output[index] = saturate(total[index] - Int32(frame[index])) }
            } else {
                for index in 0..<length { output[index] = saturate(total[index]) }
            }
            return output
        }
    }

    /// The same keyed by participant.
    public static func mix<ID: Hashable>(_ frames: [ID: [Int16]?], frameLength: Int = 160) -> [ID: [Int16]] {
        let keys = Array(frames.keys)
        let outputs = mix(keys.map { frames[$0]! }, frameLength: frameLength)
        return Dictionary(uniqueKeysWithValues: zip(keys, outputs))
    }

    /// The sample-wise sum of frames, saturated (what a listener hears of both sides
    /// of a call; what an agent hears of the customer and a whispering supervisor).
    public static func sum(_ frames: [Int16]...) -> [Int16] {
        sum(frames)
    }

    /// The sample-wise sum of frames, saturated; shorter frames count as silence at the end.
    public static func sum(_ frames: [[Int16]]) -> [Int16] {
        let length = frames.map(\.count).max() ?? 0
        var total = [Int32](repeating: 0, count: length)
        for frame in frames {
            for index in frame.indices { total[index] += Int32(frame[index]) }
        }
        return total.map(saturate)
    }

    /// Clips a 32-bit sum to the 16-bit range.
    @inlinable
    public static func saturate(_ value: Int32) -> Int16 {
        Int16(clamping: value)
    }
}
