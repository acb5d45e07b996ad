import Foundation
import Testing
import TelefoniaCore
import TelefoniaMedia

/// A fresh folder under the system temp directory, removed when `body` returns.
func withTemporaryFolder<T>(_ body: (URL) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("telefonia-media-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try body(folder)
}

/// Errors of the test helpers.
struct ToolError: Error, CustomStringConvertible {
    var description: String
}

/// External programs the tests use to make real audio files (sox, lame), and the package folder.
enum Tools {
    /// The package root (three levels above this file).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs a program found on PATH; throws with its stderr when it fails or is missing.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], in folder: URL? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        if let folder { process.currentDirectoryURL = folder }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolError(description: "\(program) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): "
                + String(decoding: err, as: UTF8.self) + (process.terminationStatus == 127 ? " — run scripts/install-deps.sh" : ""))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A WAV tone made by sox: `sox -n -r RATE -c CHANNELS [-b BITS] [-e ENCODING] FILE synth SECONDS sine FREQ gain -6`.
    static func soxTone(_ url: URL, frequency: Double = 1000, seconds: Double = 2, rate: Int = 8000, channels: Int = 1,
                        bits: Int? = 16, encoding: String? = nil) throws {
        var arguments = ["-n", "-r", "\(rate)", "-c", "\(channels)"]
        if let bits { arguments += ["-b", "\(bits)"] }
        if let encoding { arguments += ["-e", encoding] }
        arguments += [url.path, "synth", "\(seconds)", "sine", "\(frequency)", "gain", "-6"]
        try run("sox", arguments)
    }

    /// An MP3 tone: a 44.1 kHz stereo WAV from sox encoded by lame.
    static func mp3Tone(_ url: URL, frequency: Double = 1000, seconds: Double = 2, rate: Int = 44100, bitrate: Int = 128) throws {
        let wav = url.deletingPathExtension().appendingPathExtension("source.wav")
        try soxTone(wav, frequency: frequency, seconds: seconds, rate: rate, channels: 2)
        try run("lame", ["--quiet", "-b", "\(bitrate)", wav.path, url.path])
        try FileManager.default.removeItem(at: wav)
    }
}

/// Measurements on 8 kHz PCM.
enum Measure {
    /// Share of the middle part's energy at `frequency` (about 1 for a pure tone there).
    static func toneShare(_ samples: [Int16], _ frequency: Double) -> Double {
        let middle = Array(samples[samples.count / 4..<samples.count * 3 / 4])
        return Goertzel(frequency: frequency).energyShare(middle)
    }

    /// Frequency estimated from zero crossings of the middle part.
    static func zeroCrossingFrequency(_ samples: [Int16], rate: Double = 8000) -> Double {
        let middle = Array(samples[samples.count / 4..<samples.count * 3 / 4])
        var crossings = 0
        for index in 1..<middle.count where (middle[index - 1] < 0) != (middle[index] < 0) { crossings += 1 }
        return Double(crossings) / 2 / (Double(middle.count) / rate)
    }

    static func rms(_ samples: some Collection<Int16>) -> Double {
        (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, samples.count))).squareRoot()
    }
}
