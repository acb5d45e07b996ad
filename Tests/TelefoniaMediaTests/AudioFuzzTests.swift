import Foundation
import Testing
import TelefoniaCore
import TelefoniaMedia

/// A small deterministic generator (64-bit LCG, Knuth's MMIX constants) so a failing case can be replayed.
private struct LCG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state ^ (state >> 29)
    }
}

@Suite struct AudioFuzzTests {
    /// Damages a file: flips bytes, overwrites a run, cuts or duplicates a stretch.
    private func mutate(_ bytes: [UInt8], _ random: inout LCG) -> [UInt8] {
        var bytes = bytes
        switch Int.random(in: 0..<5, using: &random) {
        case 0:
            for _ in 0..<Int.random(in: 1...20, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
        case 1:
            let start = Int.random(in: 0..<bytes.count, using: &random)
            for index in start..<min(bytes.count, start + Int.random(in: 1...2000, using: &random)) {
                bytes[index] = UInt8.random(in: 0...255, using: &random)
            }
        case 2:
            bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
        case 3:
            // Header fields are where parsers break: hit the first 64 bytes.
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                bytes[Int.random(in: 0..<min(64, bytes.count), using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
        default:
            let start = Int.random(in: 0..<bytes.count, using: &random)
            let end = min(bytes.count, start + Int.random(in: 1...3000, using: &random))
            bytes.insert(contentsOf: bytes[start..<end], at: Int.random(in: 0..<bytes.count, using: &random))
        }
        return bytes
    }

    /// Two hundred damaged MP3s and WAVs either decode or are refused with an `AudioError`:
    /// never a crash, never another error.
    @Test func damagedFilesNeverCrash() throws {
        try withTemporaryFolder { folder in
            let mp3URL = folder.appendingPathComponent("t.mp3"), wavURL = folder.appendingPathComponent("t.wav")
            try Tools.mp3Tone(mp3URL, seconds: 0.5)
            try Tools.soxTone(wavURL, seconds: 0.3, rate: 22050, channels: 2)
            let originals = [[UInt8](try Data(contentsOf: mp3URL)), [UInt8](try Data(contentsOf: wavURL))]
            var random = LCG(state: 20_261_126)
            var decoded = 0, refused = 0
            for round in 0..<240 {
                let bytes = mutate(originals[round % 2], &random)
                do {
                    let audio = try AudioDecoder.decode(bytes)
                    #expect(!audio.samples.isEmpty)
                    decoded += 1
                } catch {
                    refused += 1
                }
            }
            #expect(decoded > 0 && refused > 0, "decoded \(decoded), refused \(refused)")
        }
    }
}
