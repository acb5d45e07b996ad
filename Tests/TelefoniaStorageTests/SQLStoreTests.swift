import Foundation
import Testing
import TelefoniaCore
import TelefoniaStorage

@Suite struct SQLStoreTests {
    /// Every rule of the Store contract holds on a real database file.
    @Test(arguments: StoreContract.all)
    func followsTheStoreContract(_ check: StoreCheck) throws {
        try withTemporaryFolder { folder in
            let store = try SQLStore(path: folder.appendingPathComponent("contract.sqlite").path)
            try check.run(store)
        }
    }

    /// A second store on the same file (another process's connection) sees what the first wrote, both ways.
    @Test func secondConnectionSeesWrites() throws {
        try withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("shared.sqlite").path
            let server = try SQLStore(path: path)
            let cli = try SQLStore(path: path)
            #expect(try server.tenants().isEmpty)
            #expect(try server.cdrs(CDRFilter()).isEmpty)

            try Fixtures.seed(cli)
            try server.append(Fixtures.cdr("c1"))
            #expect(try server.tenants() == [Fixtures.acme, Fixtures.beta])
            #expect(try server.line(tenantID: "acme", extensionNumber: "1001")?.callerID == "+551130001000")
            #expect(try cli.cdrs(CDRFilter(tenantID: "acme")).map(\.id) == ["c1"])

            // The same cached statements, run again, see newer commits: no read transaction was left open.
            try cli.removeLine(tenantID: "acme", extensionNumber: "1002")
            try server.append(Fixtures.cdr("c2", startedAt: Fixtures.base + 1))
            #expect(try server.lines(tenantID: "acme").map(\.extensionNumber) == ["1001"])
            #expect(try cli.cdrs(CDRFilter(tenantID: "acme")).map(\.id) == ["c1", "c2"])
        }
    }

    /// Opening a database again applies no migration twice and keeps the data.
    @Test func migrationsRunOnce() throws {
        try withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("migrations.sqlite").path
            let first = try SQLStore(path: path)
            try Fixtures.seed(first)
            let applied = try first.appliedMigrations()
            #expect(applied.map(\.name) == SQLStore.migrationNames)
            #expect(!SQLStore.migrationNames.isEmpty)
            first.close()

            for _ in 0..<3 {
                let again = try SQLStore(path: path)
                let reapplied = try again.appliedMigrations()
                #expect(reapplied.map(\.name) == applied.map(\.name))
                #expect(reapplied.map(\.appliedAt) == applied.map(\.appliedAt))
                #expect(try again.tenants().count == 2)
            }
        }
    }

    /// Two stores opening a new file at the same moment both succeed and migrate it once.
    @Test func concurrentOpenMigratesOnce() async throws {
        try await withThrowingTaskGroupInTemporaryFolder { path in
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 {
                    group.addTask { try SQLStore(path: path).appliedMigrations().map(\.name) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(applied.count == 4)
            #expect(applied.allSatisfy { $0 == SQLStore.migrationNames })
        }
    }

    /// A CDR is on disk when append returns: a killed process (no close, WAL not
    /// checkpointed) leaves files from which it is read back.
    @Test func appendedCDRSurvivesAKilledProcess() throws {
        try withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("live.sqlite").path
            let crashed = folder.appendingPathComponent("crashed.sqlite").path
            let store = try SQLStore(path: path)
            try Fixtures.seed(store)
            let cdr = Fixtures.cdr("last-call")
            try store.append(cdr)
            // Never released: the connection is never closed, as in a process killed with SIGKILL.
            _ = Unmanaged.passRetained(store)

            // What a killed process leaves on disk is the database and its WAL (the
            // shared-memory index is rebuilt); copy them and open the copy alone.
            let wal = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
            #expect(wal > 0, "the commit should still be in the WAL, or this test proves nothing")
            try FileManager.default.copyItem(atPath: path, toPath: crashed)
            try FileManager.default.copyItem(atPath: path + "-wal", toPath: crashed + "-wal")

            let reopened = try SQLStore(path: crashed)
            #expect(try reopened.cdrs(CDRFilter(tenantID: "acme")) == [cdr])
            #expect(try SQLStore(path: path).cdrs(CDRFilter()) == [cdr])
        }
    }

    /// FULL synchronous mode opens and stores like the default.
    @Test func fullSynchronousModeWorks() throws {
        try withTemporaryFolder { folder in
            let store = try SQLStore(path: folder.appendingPathComponent("full.sqlite").path, synchronous: .full)
            try store.append(Fixtures.cdr("c1"))
            #expect(try store.cdrs(CDRFilter()).map(\.id) == ["c1"])
        }
    }

    /// The store makes the database's folder when it is missing.
    @Test func createsMissingFolder() throws {
        try withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("a/b/telefonia.sqlite").path
            _ = try SQLStore(path: path)
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }

    /// A file that is not a database gives an io error naming the file.
    @Test func reportsAFileThatIsNotADatabase() throws {
        try withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("notes.sqlite").path
            try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: path))
            expectStoreError(.io) { _ = try SQLStore(path: path) }
        }
    }

    /// Calls from many threads at once are serialised, none lost.
    @Test func concurrentAppendsAreAllKept() async throws {
        try await withThrowingTaskGroupInTemporaryFolder { path in
            let store = try SQLStore(path: path)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        for index in 0..<25 {
                            try store.append(Fixtures.cdr("t\(task)-\(index)", startedAt: Fixtures.base + Int64(index)))
                            _ = try store.cdrs(CDRFilter(tenantID: "acme", limit: 5))
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try store.cdrs(CDRFilter()).count == 200)
        }
    }

    /// A closed store refuses calls with an error instead of crashing.
    @Test func closedStoreThrows() throws {
        try withTemporaryFolder { folder in
            let store = try SQLStore(path: folder.appendingPathComponent("closed.sqlite").path)
            store.close()
            expectStoreError(.io) { _ = try store.tenants() }
        }
    }
}

/// Async variant of `withTemporaryFolder` giving a database path inside it.
private func withThrowingTaskGroupInTemporaryFolder(_ body: (String) async throws -> Void) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("telefonia-storage-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try await body(folder.appendingPathComponent("db.sqlite").path)
}
