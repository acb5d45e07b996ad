import Foundation
import Testing
import TelefoniaCore
import TelefoniaMedia

@Suite struct WAVWriterTests {
    /// The file on disk is a valid WAV of everything flushed, read while the writer is still
    /// writing: a crash would lose only the unflushed part.
    @Test func fileIsValidMidWrite() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("rec.wav")
            let writer = try WAVWriter(url: url, channels: 1, flushInterval: 8000)
            #expect(throws: AudioError(.empty, "the WAV file has no audio")) { try WAVFile(contentsOf: url) }
            let tone = ToneGenerator.samples(frequencies: [1000], milliseconds: 1500)
            // 1.5 s in 20 ms frames: one automatic flush after the first second.
            for start in stride(from: 0, to: tone.count, by: 160) { try writer.write(Array(tone[start..<start + 160])) }
            let midway = try WAVFile(contentsOf: url)
            #expect(midway.sampleRate == 8000 && midway.channels == 1)
            #expect(midway.samples == Array(tone.prefix(8000)))
            #expect(writer.frameCount == 12000)
            try writer.flush()
            #expect(try WAVFile(contentsOf: url).samples == tone)
            try writer.write(Array(tone.prefix(800)))
            try writer.close()
            try writer.close()
            #expect(try WAVFile(contentsOf: url).samples == tone + tone.prefix(800))
            #expect(throws: AudioError.self) { try writer.write([1]) }
            // sox agrees it is a proper file.
            #expect(try Tools.run("soxi", ["-s", url.path]) == "12800\n")
        }
    }

    /// Two-channel files keep each side on its own channel; a shorter side is padded.
    @Test func writesTwoChannels() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("stereo.wav")
            let writer = try WAVWriter(url: url, channels: 2)
            let left = ToneGenerator.samples(frequencies: [600], milliseconds: 500)
            let right = ToneGenerator.samples(frequencies: [1400], milliseconds: 500)
            for start in stride(from: 0, to: left.count, by: 160) {
                try writer.write(left: Array(left[start..<start + 160]), right: Array(right[start..<start + 160]))
            }
            try writer.write(left: [5, 6], right: [7])
            try writer.close()
            let file = try WAVFile(contentsOf: url)
            #expect(file.channels == 2 && file.frameCount == 4002)
            #expect(file.channel(0) == left + [5, 6])
            #expect(file.channel(1) == right + [7, 0])
            #expect(try Tools.run("soxi", ["-c", url.path]) == "2\n")
        }
    }

    /// Writing a whole file goes through a temporary name; the result reads back exactly.
    @Test func writesWholeFiles() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("whole.wav")
            let samples: [Int16] = [0, 1, -1, 32767, -32768]
            try WAVWriter.write(samples, to: url, durable: true)
            #expect(try WAVFile(contentsOf: url) == WAVFile(sampleRate: 8000, channels: 1, samples: samples))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["whole.wav"])
            #expect(throws: AudioError.self) {
                try WAVWriter.write(samples, to: folder.appendingPathComponent("missing/x.wav"))
            }
        }
    }
}
