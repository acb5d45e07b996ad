import Foundation
import Testing
import TelefoniaStorage

// The `telefonia` binary run on a test database: shared by every CLI test suite.

/// Runs `body` with a CLI bound to a fresh database (TELEFONIA_DB) in a temporary folder.
func withCLI(_ body: (CLI) throws -> Void) throws {
    try withTemporaryFolder { folder in
        try body(try CLI(folder: folder))
    }
}

struct CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let executable: URL
    let folder: URL
    var database: String { folder.appendingPathComponent("telefonia.sqlite").path }

    init(folder: URL) throws {
        self.folder = folder
        self.executable = try Self.locateBinary()
    }

    /// A store on the same database, to seed records or check what the CLI wrote.
    func store() throws -> SQLStore {
        try SQLStore(path: database)
    }

    /// Runs with TELEFONIA_DB pointing at the test database unless `environment` is given;
    /// TZ is UTC so dates in the output are stable.
    @discardableResult
    func run(_ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TELEFONIA_") }
        env["TZ"] = "UTC"
        for (key, value) in environment ?? ["TELEFONIA_DB": database] { env[key] = value }
        process.environment = env
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data((stdin ?? "").utf8))
        try input.fileHandleForWriting.close()
        // Read both pipes before waiting, so a full pipe cannot block the child.
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }

    /// Expects success, this exact standard output and nothing on standard error.
    func expectOutput(
        _ arguments: [String], _ expected: String, stdin: String? = nil, environment: [String: String]? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let result = try run(arguments, stdin: stdin, environment: environment)
        #expect(result.status == 0, "telefonia \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout == expected, sourceLocation: sourceLocation)
        #expect(result.stderr == "", sourceLocation: sourceLocation)
    }

    /// Expects exit code 1, nothing on standard output and exactly `error: <message>` on standard error.
    func expectError(_ arguments: [String], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try run(arguments)
        #expect(result.status == 1, sourceLocation: sourceLocation)
        #expect(result.stdout == "", sourceLocation: sourceLocation)
        #expect(result.stderr == "error: \(message)\n", sourceLocation: sourceLocation)
    }

    /// The `telefonia` executable in the products folder the test bundle was built into.
    static func locateBinary() throws -> URL {
        var folders: [URL] = []
        // Linux: the test runner is an executable in the products folder; macOS: a bundle in it.
        folders.append(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent())
        folders.append(Bundle.main.bundleURL)
        folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            folders.append(bundle.bundleURL.deletingLastPathComponent())
        }
        for folder in folders {
            let candidate = folder.appendingPathComponent("telefonia")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        let searched = folders.map(\.path).joined(separator: ", ")
        Issue.record("the telefonia executable is missing (looked in \(searched)); build it first with `swift build --product telefonia` using the same --scratch-path")
        throw CLIBinaryMissing()
    }

    struct CLIBinaryMissing: Error {}
}
