import Testing
import TelefoniaCore

@Suite struct ConferenceMixerTests {
    /// Each participant hears the sum of the others and never itself.
    @Test func everyoneHearsTheOthersNotThemselves() {
        let outputs = ConferenceMixer.mix([[100, 200], [10, 20], [1, 2]])
        #expect(outputs == [[11, 22], [101, 202], [110, 220]])
        // Tones: each output holds the other two tones and not its own.
        let tones = [440.0, 1000, 1700].map { ToneGenerator.samples(frequencies: [$0], milliseconds: 20, amplitude: 5000) }
        let heard = ConferenceMixer.mix(tones)
        for (index, frequency) in [440.0, 1000, 1700].enumerated() {
            let own = Goertzel(frequency: frequency).energyShare(heard[index])
            #expect(own < 0.01, "participant \(index) hears itself")
            for (other, otherFrequency) in [440.0, 1000, 1700].enumerated() where other != index {
                #expect(Goertzel(frequency: otherFrequency).energyShare(heard[index]) > 0.3)
            }
        }
    }

    /// Sums beyond 16 bits saturate instead of wrapping around.
    @Test func saturates() {
        let outputs = ConferenceMixer.mix([[30000, -30000], [30000, -30000], [30000, -30000]])
        #expect(outputs == [[32767, -32768], [32767, -32768], [32767, -32768]])
        #expect(ConferenceMixer.sum([20000, -20000, 5], [20000, -20000]) == [32767, -32768, 5])
    }

    /// A participant with no frame (muted, packet lost) adds nothing but hears everyone;
    /// alone in the room, a participant hears silence.
    @Test func handlesMissingFramesAndSolitude() {
        let outputs = ConferenceMixer.mix([[5, 5], nil, [7, 7]])
        #expect(outputs == [[7, 7], [12, 12], [5, 5]])
        #expect(ConferenceMixer.mix([[9, 9, 9]]) == [[0, 0, 0]])
        #expect(ConferenceMixer.mix([nil, nil], frameLength: 2) == [[0, 0], [0, 0]])
        let keyed = ConferenceMixer.mix(["a": [1], "b": [2], "c": nil] as [String: [Int16]?])
        #expect(keyed == ["a": [2], "b": [1], "c": [3]])
    }
}
