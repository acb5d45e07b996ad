import ArgumentParser
import Foundation
import Logging
import TelefoniaCore
import TelefoniaStorage

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long, help: ArgumentHelp(
            "SQLite database file, or a PostgreSQL URL (postgres://user:password@host:port/db).",
            discussion: "Default: $TELEFONIA_DB, else $TELEFONIA_DATA_DIR/telefonia.sqlite, else ./telefonia-data/telefonia.sqlite.",
            valueName: "path-or-url"
        )
    )
    var db: String?

    /// The database (a path or a URL) after applying the defaults.
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
        try SQLStore(url: databasePath, logger: Logger(label: "telefonia.cli"))
    }

    /// The same database seen through its recordings table.
    func openRecordingStore() throws -> any Store & RecordingStore {
        try SQLStore(url: databasePath, logger: Logger(label: "telefonia.cli"))
    }

    /// The same database seen through its live tables (calls in progress).
    func openLiveStore() throws -> any Store & LiveStore {
        try SQLStore(url: databasePath, logger: Logger(label: "telefonia.cli"))
    }
}
