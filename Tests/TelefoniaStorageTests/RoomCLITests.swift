import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

/// `telefonia room` (F6), checked by comparing its text.
@Suite struct RoomCLITests {
    /// Rooms are added, listed with the code to dial and removed.
    @Test func managesRooms() throws {
        try withRoomCLI { cli in
            try cli.run(["tenant", "add", "demo", "--domain", "demo.example"])
            try cli.expectOutput(["room", "add", "demo", "100", "--name", "Sala"], "added room 100 to tenant demo; lines dial *91100\n")
            try cli.expectOutput(["room", "add", "demo", "7"], "added room 7 to tenant demo; lines dial *917\n")
            try cli.expectOutput(["room", "list", "demo"], """
                NUMBER  NAME    DIAL
                7       Sala 7  *917
                100     Sala    *91100

                """)
            try cli.expectOutput(["room", "remove", "demo", "7"], "removed room 7 of tenant demo\n")
            try cli.expectOutput(["room", "list", "demo"], """
                NUMBER  NAME  DIAL
                100     Sala  *91100

                """)
            #expect(try cli.store().rooms(tenantID: "demo") == [ConferenceRoom(tenantID: "demo", number: "100", name: "Sala")])
        }
    }

    /// Mistakes are refused with a message saying what to do.
    @Test func refusesRoomMistakes() throws {
        try withRoomCLI { cli in
            try cli.run(["tenant", "add", "demo", "--domain", "demo.example"])
            try cli.run(["room", "add", "demo", "100"])
            try cli.expectError(["room", "add", "demo", "100"],
                                "tenant demo already has a room 100; remove it first with `telefonia room remove demo 100`")
            try cli.expectError(["room", "add", "demo", "1a"], "room number '1a' must be 1 to 6 digits, e.g. 100")
            try cli.expectError(["room", "add", "demo", "101", "--name", " "], "--name must not be empty")
            try cli.expectError(["room", "add", "nope", "100"], "unknown tenant nope; see `telefonia tenant list`")
            try cli.expectError(["room", "list", "nope"], "unknown tenant nope; see `telefonia tenant list`")
            try cli.expectError(["room", "remove", "demo", "101"], "tenant demo has no room 101; see `telefonia room list demo`")
        }
    }
}

private func withRoomCLI(_ body: (RoomCLI) throws -> Void) throws {
    try withTemporaryFolder { folder in
        try body(try RoomCLI(folder: folder))
    }
}

/// The `telefonia` binary on a test database.
private struct RoomCLI {
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
        let candidates = [
            URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent(),
            Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
        ] + Bundle.allBundles.filter { $0.bundleURL.pathExtension == "xctest" }.map { $0.bundleURL.deletingLastPathComponent() }
        guard let found = candidates.map({ $0.appendingPathComponent("telefonia") })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) })
        else {
            Issue.record("the telefonia executable is missing; build it first with `swift build --product telefonia`")
            throw CocoaError(.fileNoSuchFile)
        }
        executable = found
    }

    func store() throws -> SQLiteStore {
        try SQLiteStore(path: database)
    }

    @discardableResult
    func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TELEFONIA_") }
        environment["TELEFONIA_DB"] = database
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
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
}
