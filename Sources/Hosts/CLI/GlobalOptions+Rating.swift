import Logging
import TelefoniaCore
import TelefoniaStorage

extension GlobalOptions {
    /// Opens the database as a store of configuration, tariff plans and credit.
    func openRatingStore() throws -> SQLStore {
        try SQLStore(url: databasePath, logger: Logger(label: "telefonia.cli"))
    }
}
