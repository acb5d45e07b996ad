import Foundation

/// The Goertzel algorithm: the power of one frequency in a block of samples, at
/// the cost of one multiply-add per sample. Used for DTMF detection (ITU-T Q.24)
/// and, in tests, to find a tone in what a client recorded.
public struct Goertzel: Sendable {
    /// Frequency looked for, in Hz.
    public let frequency: Double
    /// Sample rate, in Hz.
    public let sampleRate: Double
    private let coefficient: Double

    /// A detector of `frequency` Hz at `sampleRate` Hz (any frequency, not only bin centres).
    public init(frequency: Double, sampleRate: Double = 8000) {
        self.frequency = frequency
        self.sampleRate = sampleRate
        coefficient = 2 * cos(2 * Double.pi * frequency / sampleRate)
    }

    /// |X(f)|² of the block: a sine of amplitude A filling N samples gives about (A·N/2)².
    public func power(_ samples: some Collection<Int16>) -> Double {
        var s1 = 0.0, s2 = 0.0
        for sample in samples {
            let s0 = Double(sample) + coefficient * s1 - s2
            s2 = s1
            s1 = s0
        }
        return s1 * s1 + s2 * s2 - coefficient * s1 * s2
    }

    /// The share of the block's energy at this frequency, from 0 to about 1: a pure
    /// tone at `frequency` gives about 1, silence or other frequencies about 0.
    public func energyShare(_ samples: some Collection<Int16>) -> Double {
        let energy = samples.reduce(0.0) { $0 + Double($1) * Double($1) }
        guard energy > 0, !samples.isEmpty else { return 0 }
        return 2 * power(samples) / Double(samples.count) / energy
    }
}
