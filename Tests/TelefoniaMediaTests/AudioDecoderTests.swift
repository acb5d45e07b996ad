import Foundation
import Testing
import TelefoniaCore
import TelefoniaMedia

@Suite struct AudioDecoderTests {
    /// A 1 kHz tone MP3 (44.1 kHz stereo, made by sox and lame) decodes to a 1 kHz tone at
    /// 8 kHz mono of the same length.
    @Test func decodesAnMP3ToneTo8kHz() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("tone.mp3")
            try Tools.mp3Tone(url, frequency: 1000, seconds: 3)
            let audio = try AudioDecoder.decode(contentsOf: url)
            #expect(audio.format == .mp3)
            #expect(audio.sourceRate == 44100)
            #expect(abs(audio.milliseconds - 3000) <= 30, "\(audio.milliseconds) ms")
            #expect(Measure.toneShare(audio.samples, 1000) > 0.95)
            #expect(abs(Measure.zeroCrossingFrequency(audio.samples) - 1000) < 5)
            // -6 dBFS sine: peak 16384, RMS 11585; MP3 and resampling keep it within 1 dB.
            #expect(abs(20 * log10(Measure.rms(audio.samples[8000..<16000]) / 11585)) < 1)
        }
    }

    /// MP3s at other rates and bitrates (MPEG-2 at 22.05 kHz, 64 kbps) decode too.
    @Test func decodesLowRateMP3() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("low.mp3")
            try Tools.mp3Tone(url, frequency: 440, seconds: 2, rate: 22050, bitrate: 64)
            let audio = try AudioDecoder.decode(contentsOf: url)
            #expect(audio.sourceRate == 22050)
            #expect(abs(audio.milliseconds - 2000) <= 40)
            #expect(Measure.toneShare(audio.samples, 440) > 0.95)
        }
    }

    /// Content above 4 kHz does not fold back into the telephone band (a 4.1 kHz tone
    /// would become 3.9 kHz): it is at least 50 dB down.
    @Test func mp3AboveFourKilohertzDoesNotAlias() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("high.mp3")
            try Tools.mp3Tone(url, frequency: 4100, seconds: 2)
            let audio = try AudioDecoder.decode(contentsOf: url)
            let level = 20 * log10(max(Measure.rms(audio.samples[4000..<12000]), 0.1) / 11585)
            #expect(level < -50, "\(level) dB")
        }
    }

    /// WAV of any common layout is mixed to mono and resampled to 8 kHz.
    @Test(arguments: [
        (44100, 2, 16, nil), (48000, 1, 24, nil), (16000, 1, 8, "unsigned-integer"), (22050, 2, 32, "floating-point"),
        (8000, 1, 8, "mu-law"), (8000, 1, 8, "a-law"), (8000, 1, 16, nil), (11025, 6, 16, nil),
    ] as [(Int, Int, Int, String?)])
    func decodesWAVLayouts(rate: Int, channels: Int, bits: Int, encoding: String?) throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("tone.wav")
            try Tools.soxTone(url, frequency: 1000, seconds: 1, rate: rate, channels: channels, bits: bits, encoding: encoding)
            let audio = try AudioDecoder.decode(contentsOf: url)
            #expect(audio.format == .wav)
            #expect(audio.sourceRate == rate && audio.sourceChannels == channels)
            #expect(abs(audio.samples.count - 8000) <= 1)
            #expect(Measure.toneShare(audio.samples, 1000) > 0.97)
            #expect(abs(20 * log10(Measure.rms(audio.samples[2000..<6000]) / 11585)) < 0.6)
        }
    }

    /// Empty files, text named .mp3, random bytes, damaged MP3s and truncated WAVs are
    /// refused with a message that says what is wrong.
    @Test func refusesBadFilesWithClearErrors() throws {
        try withTemporaryFolder { folder in
            func refusal(_ bytes: [UInt8]) -> AudioError? {
                do {
                    _ = try AudioDecoder.decode(bytes)
                    return nil
                } catch {
                    return error
                }
            }
            #expect(refusal([]) == AudioError(.empty, "the file is empty"))
            let text = Array("Olá! Este arquivo não é um MP3.\nSó texto.\n".utf8)
            #expect(refusal(text) == AudioError(.notAudio, "the file is text, not MP3 or WAV audio"))
            #expect(refusal(Array(repeating: 0, count: 5000)) == AudioError(.notAudio, "the file is not MP3 or WAV audio (no MPEG audio frames found)"))
            var random = SystemRandomNumberGenerator()
            let noise = (0..<20_000).map { _ in UInt8.random(in: 0...255, using: &random) }
            let noiseError = refusal(noise)
            #expect(noiseError?.code == .notAudio || noiseError?.code == .corrupt, "\(String(describing: noiseError))")

            // A real MP3 whose middle was overwritten.
            let mp3URL = folder.appendingPathComponent("tone.mp3")
            try Tools.mp3Tone(mp3URL, seconds: 4)
            let mp3 = [UInt8](try Data(contentsOf: mp3URL))
            var damaged = mp3
            for index in mp3.count / 5..<mp3.count * 4 / 5 { damaged[index] = UInt8.random(in: 0...255, using: &random) }
            let damage = refusal(damaged)
            #expect(damage?.code == .corrupt, "\(String(describing: damage))")
            #expect(damage?.message.hasPrefix("the MP3 is damaged") == true)
            // An MP3 cut short still plays what it has.
            let half = try AudioDecoder.decode(Array(mp3.prefix(mp3.count / 2)))
            #expect(abs(half.milliseconds - 2000) < 100)

            // A WAV cut short, in its data or in its header.
            let wavURL = folder.appendingPathComponent("tone.wav")
            try Tools.soxTone(wavURL, seconds: 1)
            let wav = [UInt8](try Data(contentsOf: wavURL))
            #expect(refusal(Array(wav.prefix(8000))) == AudioError(.truncated,
                "the WAV file is truncated: its header announces 16000 bytes of audio but only \(8000 - 44) are there"))
            #expect(refusal(Array(wav.prefix(30)))?.code == .truncated)
            #expect(refusal(Array(wav.prefix(44))) == AudioError(.truncated,
                "the WAV file is truncated: its header announces 16000 bytes of audio but only 0 are there"))
            // An encoding we do not read.
            let adpcmURL = folder.appendingPathComponent("adpcm.wav")
            try Tools.soxTone(adpcmURL, bits: 4, encoding: "ima-adpcm")
            #expect(refusal([UInt8](try Data(contentsOf: adpcmURL)))?.code == .unsupported)
            // A missing file.
            #expect(throws: AudioError(.io, "no such file: \(folder.path)/none.mp3")) {
                try AudioDecoder.decode(contentsOf: folder.appendingPathComponent("none.mp3"))
            }
        }
    }
}
