import Foundation

/// Sine tones at 8 kHz (or any rate): a DTMF key sent in-band, a beep, a test tone.
/// Keeps its phase between calls, so 20 ms frames taken one after the other join
/// without clicks.
public struct ToneGenerator: Sendable {
    /// Frequencies (Hz) mixed together, each at `amplitude`.
    public let frequencies: [Double]
    /// Peak amplitude of each frequency, in sample units (full scale is 32767).
    public let amplitude: Double
    public let sampleRate: Double
    private var phases: [Double]

    /// A tone of one or more frequencies, each with the peak `amplitude`.
    public init(frequencies: [Double], amplitude: Double = 8000, sampleRate: Double = 8000) {
        self.frequencies = frequencies
        self.amplitude = amplitude
        self.sampleRate = sampleRate
        phases = Array(repeating: 0, count: frequencies.count)
    }

    /// The two tones of a key, each 6 dB below the usual -10 dBm0-ish level phones send.
    public init(digit: DTMFDigit, amplitude: Double = 6000, sampleRate: Double = 8000) {
        let (low, high) = digit.frequencies
        self.init(frequencies: [low, high], amplitude: amplitude, sampleRate: sampleRate)
    }

    /// The next `count` samples (saturated to 16 bits).
    public mutating func next(_ count: Int) -> [Int16] {
        var samples = [Int16](repeating: 0, count: count)
        for (index, frequency) in frequencies.enumerated() {
            let step = 2 * Double.pi * frequency / sampleRate
            var phase = phases[index]
            for n in 0..<count {
                let mixed = Double(samples[n]) + amplitude * sin(phase)
                samples[n] = Int16(max(-32768, min(32767, mixed.rounded())))
                phase += step
            }
            phases[index] = phase.truncatingRemainder(dividingBy: 2 * Double.pi)
        }
        return samples
    }

    /// `milliseconds` of a tone from its start.
    public static func samples(
        frequencies: [Double], milliseconds: Int, amplitude: Double = 8000, sampleRate: Double = 8000
    ) -> [Int16] {
        var generator = ToneGenerator(frequencies: frequencies, amplitude: amplitude, sampleRate: sampleRate)
        return generator.next(Int(sampleRate) * milliseconds / 1000)
    }

    /// A key's tone of `milliseconds`, as an in-band DTMF sender emits it.
    public static func dtmf(_ digit: DTMFDigit, milliseconds: Int = 100, amplitude: Double = 6000) -> [Int16] {
        var generator = ToneGenerator(digit: digit, amplitude: amplitude)
        return generator.next(8 * milliseconds)
    }
}
