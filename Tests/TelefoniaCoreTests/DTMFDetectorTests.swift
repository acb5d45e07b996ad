import Foundation
import Testing
import TelefoniaCore
import TelefoniaTesting

/// Test signals at 8 kHz.
enum Signals {
    static func silence(_ milliseconds: Int) -> [Int16] {
        Array(repeating: 0, count: 8 * milliseconds)
    }

    /// Keys pressed one after the other, each `tone` ms long with `gap` ms of silence between.
    static func keys(_ text: String, tone: Int = 80, gap: Int = 80, amplitude: Double = 6000) -> [Int16] {
        var samples = silence(gap)
        for character in text {
            samples += ToneGenerator.dtmf(DTMFDigit(character)!, milliseconds: tone, amplitude: amplitude) + silence(gap)
        }
        return samples
    }

    /// Adds samples, saturating.
    static func add(_ a: [Int16], _ b: [Int16]) -> [Int16] {
        ConferenceMixer.sum(a, b)
    }

    /// White noise of a given RMS.
    static func noise(_ milliseconds: Int, rms: Double, seed: UInt64) -> [Int16] {
        var random = SeededRandom(seed: seed)
        // Uniform noise in [-a, a] has RMS a/√3.
        let a = rms * 3.0.squareRoot()
        return (0..<8 * milliseconds).map { _ in Int16(Double.random(in: -a...a, using: &random)) }
    }

    /// Speech-like sound: a glottal pulse train with a gliding pitch (80–260 Hz)
    /// through three formant resonators that move from vowel to vowel every 120 ms,
    /// with a syllable-rate envelope and unvoiced noise bursts between syllables.
    static func speechLike(seconds: Double, seed: UInt64, voice: (low: Double, high: Double) = (80, 260)) -> [Int16] {
        var random = SeededRandom(seed: seed)
        let vowels: [[Double]] = [[730, 1090, 2440], [270, 2290, 3010], [300, 870, 2240], [530, 1840, 2480], [570, 840, 2410],
                                  [660, 1720, 2410], [440, 1020, 2240], [390, 1990, 2550], [700, 1220, 2600]]
        let count = Int(seconds * 8000)
        var output = [Int16](repeating: 0, count: count)
        var state = [[Double]](repeating: [0, 0], count: 3)
        var phase = 0.0
        var f0 = Double.random(in: voice.low...voice.high, using: &random)
        var formants = vowels[0]
        for n in 0..<count {
            if n % 960 == 0 {
                formants = vowels[Int.random(in: 0..<vowels.count, using: &random)]
                f0 = min(voice.high, max(voice.low, f0 + Double.random(in: -40...40, using: &random)))
            }
            let syllable = (Double(n) / 8000 * 4).truncatingRemainder(dividingBy: 1)
            let voiced = syllable < 0.75
            phase += f0 * (1 + 0.01 * Double.random(in: -1...1, using: &random)) / 8000
            var excitation = 0.0
            if voiced {
                if phase >= 1 { phase -= 1; excitation = 1 }
            } else {
                excitation = Double.random(in: -0.3...0.3, using: &random)
            }
            var sample = 0.0
            for (index, formant) in formants.enumerated() {
                // Two-pole resonator with an 80 Hz bandwidth.
                let r = exp(-Double.pi * 80 / 8000)
                let c = 2 * r * cos(2 * Double.pi * formant / 8000)
                let y = excitation + c * state[index][0] - r * r * state[index][1]
                state[index][1] = state[index][0]
                state[index][0] = y
                sample += y / Double(index + 1)
            }
            let envelope = voiced ? sin(Double.pi * syllable / 0.75) : 0.3
            output[n] = Int16(max(-32768, min(32767, sample * 900 * envelope)))
        }
        return output
    }

    /// Feeds a signal to a detector in 20 ms frames, as the media clock would.
    static func detect(_ samples: [Int16], detector: inout DTMFDetector) -> String {
        var digits = ""
        var start = 0
        while start < samples.count {
            let end = min(samples.count, start + 160)
            digits += detector.process(samples[start..<end]).map(\.description).joined()
            start = end
        }
        return digits
    }

    static func detect(_ samples: [Int16]) -> String {
        var detector = DTMFDetector()
        return detect(samples, detector: &detector)
    }

    /// RMS of a signal.
    static func rms(_ samples: [Int16]) -> Double {
        (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, samples.count))).squareRoot()
    }
}

@Suite struct DTMFDetectorTests {
    /// Each of the 16 keys, loud or quiet, gives exactly that digit once.
    @Test(arguments: DTMFDigit.allCases)
    func detectsEveryKeyOnce(digit: DTMFDigit) {
        for amplitude in [14000.0, 6000, 1500, 800] {
            let signal = Signals.keys(String(digit.character), tone: 100, gap: 100, amplitude: amplitude)
            #expect(Signals.detect(signal) == String(digit.character), "amplitude \(amplitude)")
        }
    }

    /// A dialled string of every key, 50 ms tones with 50 ms gaps (faster than people
    /// dial), comes out in order, whatever the alignment with the 20 ms frames.
    @Test func detectsFastDialling() {
        let keys = "1234567890*#ABCD"
        for offset in stride(from: 0, to: 160, by: 23) {
            let signal = Signals.silence(0) + [Int16](repeating: 0, count: offset) + Signals.keys(keys, tone: 50, gap: 50)
            #expect(Signals.detect(signal) == keys, "offset \(offset)")
        }
    }

    /// A key held for two seconds is one digit; the same key pressed twice is two.
    @Test func heldKeyGivesOneDigitAndRepeatsGiveTwo() {
        #expect(Signals.detect(Signals.keys("5", tone: 2000)) == "5")
        #expect(Signals.detect(Signals.keys("55", tone: 70, gap: 50)) == "55")
        #expect(Signals.detect(Signals.keys("1#1", tone: 70, gap: 45)) == "1#1")
    }

    /// Tones shorter than 23 ms are not keys (ITU-T Q.24); a single frequency or a dial
    /// tone is not a key either.
    @Test func ignoresShortTonesAndSingleFrequencies() {
        #expect(Signals.detect(Signals.keys("7", tone: 15, gap: 100)) == "")
        let dialTone = ToneGenerator.samples(frequencies: [425], milliseconds: 2000, amplitude: 8000)
        #expect(Signals.detect(dialTone) == "")
        let rowOnly = ToneGenerator.samples(frequencies: [770], milliseconds: 500, amplitude: 8000)
        #expect(Signals.detect(rowOnly) == "")
        let threeTones = ToneGenerator.samples(frequencies: [697, 1209, 1336], milliseconds: 500, amplitude: 5000)
        #expect(Signals.detect(threeTones) == "")
    }

    /// Too much twist (the column tone 14 dB under the row tone) or a too-quiet key is refused.
    @Test func refusesTwistAndQuietTones() {
        var row = ToneGenerator(frequencies: [852], amplitude: 8000)
        var column = ToneGenerator(frequencies: [1477], amplitude: 1600)
        let twisted = Signals.add(row.next(1600), column.next(1600))
        #expect(Signals.detect(twisted) == "")
        #expect(Signals.detect(Signals.keys("9", tone: 200, amplitude: 300)) == "")
    }

    /// Keys survive G.711 coding both ways, and noise 15 dB below them.
    @Test func detectsThroughG711AndNoise() {
        let keys = "159#"
        let signal = Signals.keys(keys, tone: 80, gap: 60, amplitude: 5000)
        for law in G711.allCases {
            #expect(Signals.detect(law.decode(law.encode(signal))) == keys, "\(law)")
        }
        // Two tones of amplitude 5000 have an RMS of 5000; noise of RMS 890 is 15 dB under.
        let noisy = Signals.add(signal, Signals.noise(signal.count / 8, rms: 890, seed: 7))
        #expect(Signals.detect(noisy) == keys)
    }

    /// Speech-like sound (men's and women's pitch), white noise and a music-like chord
    /// give no digits: the talk-off test.
    @Test func ignoresSpeechNoiseAndMusic() {
        for seed in UInt64(1)...6 {
            let voice: (Double, Double) = seed % 2 == 0 ? (80, 160) : (160, 300)
            let speech = Signals.speechLike(seconds: 10, seed: seed, voice: voice)
            #expect(Signals.rms(speech) > 500, "the speech-like test signal is loud enough to matter")
            #expect(Signals.detect(speech) == "", "speech seed \(seed)")
        }
        #expect(Signals.detect(Signals.noise(5000, rms: 4000, seed: 3)) == "")
        let chord = ToneGenerator.samples(frequencies: [261.63, 329.63, 392.0, 523.25, 659.25, 783.99, 1046.5, 1318.5],
                                          milliseconds: 3000, amplitude: 2500)
        #expect(Signals.detect(chord) == "")
    }

    /// After a reset, a tone that was being confirmed starts over.
    @Test func resetForgetsState() {
        var detector = DTMFDetector()
        _ = detector.process(ToneGenerator.dtmf(.three, milliseconds: 20))
        detector.reset()
        #expect(detector.process(Signals.silence(100)).isEmpty)
        #expect(detector.process(ToneGenerator.dtmf(.three, milliseconds: 100)) == [.three])
    }
}
