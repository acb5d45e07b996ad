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

/// The shared CLI harness (`CLIHarness.swift`).
private typealias RoomCLI = CLI

private func withRoomCLI(_ body: (CLI) throws -> Void) throws {
    try withCLI(body)
}
