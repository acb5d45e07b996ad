import Foundation
import Testing
import TelefoniaCore
import TelefoniaMedia

/// Runs the built `telefonia` binary's `audio` commands against a temporary data folder.
@Suite struct AudioCommandTests {
    /// A 1 kHz MP3 is added, listed, fetched back as an 8 kHz WAV holding a 1 kHz tone of
    /// the right length, renamed and removed.
    @Test func managesAudioWithRealFiles() throws {
        try withCLI { cli in
            try cli.expectOutput(["tenant", "add", "acme", "--domain", "acme.example"], "added tenant acme\n")
            let mp3 = cli.folder.appendingPathComponent("tom.mp3")
            try Tools.mp3Tone(mp3, frequency: 1000, seconds: 3)
            let wav = cli.folder.appendingPathComponent("espera.wav")
            try Tools.soxTone(wav, frequency: 440, seconds: 2, rate: 44100, channels: 2)
            try cli.expectOutput(["audio", "add", "acme", "tom", mp3.path], "added prompt tom to tenant acme (3.0 s, from MP3)\n")
            try cli.expectOutput(["audio", "add", "acme", "espera", wav.path, "--kind", "moh"],
                                 "added music on hold espera to tenant acme (2.0 s, from WAV)\n")
            let list = try cli.run(["audio", "list", "acme"])
            #expect(list.status == 0)
            // Sizes are the uploads' (rounded KB); the MP3's varies a little with sox's dither.
            let mp3KB = "mp3 \(try kilobytes(mp3)) KB"
            #expect(try kilobytes(wav) == 345)
            #expect(list.stdout.replacing(/\d{4}-\d\d-\d\d \d\d:\d\d/, with: "DATE") == """
                NAME    KIND    DURATION  SOURCE      ADDED
                espera  moh     2.0 s     wav 345 KB  DATE
                tom     prompt  3.0 s     \(mp3KB.padding(toLength: 10, withPad: " ", startingAt: 0))  DATE

                """)

            let out = cli.folder.appendingPathComponent("out.wav")
            try cli.expectOutput(["audio", "get", "acme", "tom", "--out", out.path], "wrote tom (3.0 s, 8000 Hz mono) to \(out.path)\n")
            let file = try WAVFile(contentsOf: out)
            #expect(file.sampleRate == 8000 && file.channels == 1)
            #expect(abs(file.samples.count - 24000) <= 240)
            #expect(Measure.toneShare(file.samples, 1000) > 0.95)
            #expect(abs(Measure.zeroCrossingFrequency(file.samples) - 1000) < 5)

            try cli.expectOutput(["audio", "rename", "acme", "tom", "tom-1k"], "renamed audio tom to tom-1k for tenant acme\n")
            try cli.expectOutput(["audio", "remove", "acme", "espera"], "removed audio espera from tenant acme\n")
            let after = try cli.run(["audio", "list", "acme"]).stdout
            #expect(after.hasPrefix("NAME    KIND    DURATION  SOURCE     ADDED\ntom-1k  prompt  3.0 s     \(mp3KB)  "))
            let stored = try FileManager.default.contentsOfDirectory(atPath: cli.folder.appendingPathComponent("audio/acme").path)
            #expect(stored.count == 1)
        }
    }

    /// A corrupt MP3, an empty file and a text file named .mp3 are refused with a clear
    /// error, and nothing is stored; so are mistakes in names and tenants.
    @Test func refusesBadFiles() throws {
        try withCLI { cli in
            try cli.run(["tenant", "add", "acme", "--domain", "acme.example"])
            let empty = cli.folder.appendingPathComponent("vazio.mp3")
            FileManager.default.createFile(atPath: empty.path, contents: Data())
            try cli.expectError(["audio", "add", "acme", "x", empty.path], "cannot add \(empty.path): the file is empty")
            let text = cli.folder.appendingPathComponent("texto.mp3")
            try "isto não é áudio\n".write(to: text, atomically: true, encoding: .utf8)
            try cli.expectError(["audio", "add", "acme", "x", text.path], "cannot add \(text.path): the file is text, not MP3 or WAV audio")
            let mp3 = cli.folder.appendingPathComponent("tom.mp3")
            try Tools.mp3Tone(mp3, seconds: 3)
            var bytes = [UInt8](try Data(contentsOf: mp3))
            // The middle half overwritten by a repeating pattern that holds MPEG sync words (0xFF 0xF2…),
            // so the decoder finds "frames" in it: they must not pass for audio.
            for index in bytes.count / 4..<bytes.count * 3 / 4 { bytes[index] = UInt8(truncatingIfNeeded: index &* 20_737_779) }
            let corrupt = cli.folder.appendingPathComponent("corrompido.mp3")
            try Data(bytes).write(to: corrupt)
            let result = try cli.run(["audio", "add", "acme", "x", corrupt.path])
            #expect(result.status == 1 && result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("error: cannot add \(corrupt.path): the MP3 is damaged"), "\(result.stderr)")
            try cli.expectError(["audio", "add", "acme", "x", cli.folder.appendingPathComponent("none.mp3").path],
                                "cannot add \(cli.folder.path)/none.mp3: no such file: \(cli.folder.path)/none.mp3")
            try cli.expectError(["audio", "add", "nope", "x", mp3.path], "unknown tenant nope; see `telefonia tenant list`")
            try cli.expectError(["audio", "add", "acme", "a b", mp3.path],
                                "'a b' is not a valid audio name: use 1 to 64 letters, digits, '-', '_' and '.', not starting with '.' or '-'")
            let kind = try cli.run(["audio", "add", "acme", "x", mp3.path, "--kind", "song"])
            #expect(kind.status == 1)
            #expect(kind.stderr.hasPrefix("error: The value 'song' is invalid for '--kind <kind>'. Please provide one of 'moh' and 'prompt'.\n"))
            try cli.expectOutput(["audio", "list", "acme"], "NAME  KIND  DURATION  SOURCE  ADDED\n")
            let audio = cli.folder.appendingPathComponent("audio/acme").path
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: audio)) ?? []).isEmpty)
            try cli.expectError(["audio", "get", "acme", "x", "--out", "x.wav"], "tenant acme has no audio file named x")
            try cli.expectError(["audio", "remove", "acme", "x"], "tenant acme has no audio file named x")
        }
    }
}

/// A file's size as the list shows it: kilobytes, rounded.
private func kilobytes(_ url: URL) throws -> Int {
    let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! NSNumber
    return (size.intValue + 512) / 1024
}

// MARK: - Running the binary

private func withCLI(_ body: (CLI) throws -> Void) throws {
    try withTemporaryFolder { folder in
        try body(try CLI(folder: folder))
    }
}

private struct CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let executable: URL
    let folder: URL

    init(folder: URL) throws {
        self.folder = folder
        executable = try Self.locateBinary()
    }

    /// Runs with the database in the test folder (so audio goes to <folder>/audio).
    @discardableResult
    func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TELEFONIA_") }
        environment["TZ"] = "UTC"
        environment["TELEFONIA_DB"] = folder.appendingPathComponent("telefonia.sqlite").path
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self))
    }

    func expectOutput(_ arguments: [String], _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try run(arguments)
        #expect(result.status == 0, "telefonia \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout == expected, sourceLocation: sourceLocation)
        #expect(result.stderr == "", sourceLocation: sourceLocation)
    }

    func expectError(_ arguments: [String], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try run(arguments)
        #expect(result.status == 1, sourceLocation: sourceLocation)
        #expect(result.stdout == "", sourceLocation: sourceLocation)
        #expect(result.stderr == "error: \(message)\n", sourceLocation: sourceLocation)
    }

    /// The `telefonia` executable next to the test runner.
    static func locateBinary() throws -> URL {
        var folders = [URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()]
        folders.append(Bundle.main.bundleURL)
        folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            folders.append(bundle.bundleURL.deletingLastPathComponent())
        }
        for folder in folders {
            let candidate = folder.appendingPathComponent("telefonia")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw ToolError(description: "the telefonia binary was not found next to the tests; run `swift build` first")
    }
}
