import Logging
import TelefoniaCore
import TelefoniaStorage

extension GlobalOptions {
    /// Opens the database as a store of configuration, tariff plans and credit.
    func openRatingStore() throws -> SQLiteStore {
        try SQLiteStore(path: databasePath, logger: Logger(label: "telefonia.cli"))
    }
}
