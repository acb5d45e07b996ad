import Foundation
import Testing
import TelefoniaCore

@Suite struct ResamplerTests {
    private func tone(_ frequency: Double, rate: Int, seconds: Double = 1, amplitude: Double = 10000) -> [Int16] {
        ToneGenerator.samples(frequencies: [frequency], milliseconds: Int(seconds * 1000), amplitude: amplitude, sampleRate: Double(rate))
    }

    /// RMS of the middle half (away from the edges).
    private func middleRMS(_ samples: [Int16]) -> Double {
        let middle = samples[samples.count / 4..<samples.count * 3 / 4]
        return (middle.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(middle.count)).squareRoot()
    }

    /// Tones in the telephone band keep their frequency and level from any common rate to 8 kHz.
    @Test(arguments: [11025, 16000, 22050, 44100, 48000, 6000])
    func keepsTheVoiceBand(rate: Int) {
        for frequency in [300.0, 1000, 2900] where frequency < Double(rate) / 2 * 0.9 {
            let output = Resampler(from: rate, to: 8000).resample(tone(frequency, rate: rate))
            #expect(abs(output.count - 8000) <= 1)
            let share = Goertzel(frequency: frequency).energyShare(Array(output[2000..<6000]))
            #expect(share > 0.98, "\(frequency) Hz from \(rate) Hz")
            // 10000 peak is 7071 RMS; within 0.5 dB.
            #expect(abs(20 * log10(middleRMS(output) / 7071)) < 0.5, "\(frequency) Hz from \(rate) Hz")
        }
    }

    /// Above 4 kHz nothing folds back into the band: a 4.1 kHz tone (which would alias to
    /// 3.9 kHz) and a 5 kHz tone (to 3 kHz) come out at least 55 dB down.
    @Test(arguments: [44100, 48000, 16000])
    func removesWhatWouldAlias(rate: Int) {
        for frequency in [4100.0, 5000, 7000] where frequency < Double(rate) / 2 {
            let output = Resampler(from: rate, to: 8000).resample(tone(frequency, rate: rate))
            let attenuation = 20 * log10(max(middleRMS(output), 0.01) / 7071)
            #expect(attenuation < -55, "\(frequency) Hz from \(rate) Hz: \(attenuation) dB")
        }
    }

    /// The same rate is a no-op; an empty signal stays empty.
    @Test func passesThroughAtTheSameRate() {
        let samples: [Int16] = [1, -2, 3]
        #expect(Resampler(from: 8000, to: 8000).resample(samples) == samples)
        #expect(Resampler(from: 44100, to: 8000).resample([Int16]()) == [])
    }
}
