import ArgumentParser
import Foundation
import Logging
import TelefoniaCore
import TelefoniaStorage

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long, help: ArgumentHelp(
            "SQLite database file.",
            discussion: "Default: $TELEFONIA_DB, else $TELEFONIA_DATA_DIR/telefonia.sqlite, else ./telefonia-data/telefonia.sqlite.",
            valueName: "path"
        )
    )
    var db: String?

    /// The database path after applying the defaults.
    var databasePath: String {
        let environment = ProcessInfo.processInfo.environment
        if let db, !db.isEmpty { return db }
        if let path = environment["TELEFONIA_DB"], !path.isEmpty { return path }
        if let folder = environment["TELEFONIA_DATA_DIR"], !folder.isEmpty {
            return URL(fileURLWithPath: folder).appendingPathComponent("telefonia.sqlite").path
        }
        return "./telefonia-data/telefonia.sqlite"
    }

    /// Opens (creating if needed) the database.
    func openStore() throws -> any Store {
        try SQLStore(path: databasePath, logger: Logger(label: "telefonia.cli"))
    }

    /// The same database seen through its recordings table.
    func openRecordingStore() throws -> any Store & RecordingStore {
        try SQLStore(path: databasePath, logger: Logger(label: "telefonia.cli"))
    }

    /// The same database seen through its live tables (calls in progress).
    func openLiveStore() throws -> any Store & LiveStore {
        try SQLStore(path: databasePath, logger: Logger(label: "telefonia.cli"))
    }
}
