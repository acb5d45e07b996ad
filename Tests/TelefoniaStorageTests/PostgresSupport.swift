import Foundation
import Testing
@testable import TelefoniaStorage

/// The PostgreSQL server the store tests run against: `TELEFONIA_TEST_POSTGRES_URL`,
/// which `scripts/test` sets after starting a scratch server (`scripts/pg-scratch`).
/// Without it the PostgreSQL cases are left out of the argument lists (a developer's
/// plain `swift test`), and `PostgresStoreTests.serverIsThereUnderCI` fails under CI.
enum PostgresServer {
    static var url: String? {
        ProcessInfo.processInfo.environment["TELEFONIA_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A fresh, empty schema for one test: the URL to open it with, dropped afterwards.
    /// Schemas keep the tests apart on one database (each store's tables, functions and
    /// collation live in it) and cost a few milliseconds, not a CREATE DATABASE.
    static func withSchema<T>(_ body: (String) throws -> T) throws -> T {
        let (schemaURL, drop) = try makeSchema()
        defer { drop() }
        return try body(schemaURL)
    }

    /// `withSchema` for async bodies.
    static func withSchemaAsync<T>(_ body: (String) async throws -> T) async throws -> T {
        let (schemaURL, drop) = try makeSchema()
        defer { drop() }
        return try await body(schemaURL)
    }

    private static func makeSchema() throws -> (url: String, drop: () -> Void) {
        guard let url else { throw PostgresError(sqlState: "", message: "TELEFONIA_TEST_POSTGRES_URL is not set") }
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let admin = try PostgresDatabase(url: url)
        try admin.executeScript("CREATE SCHEMA \(schema)")
        let separator = url.contains("?") ? "&" : "?"
        return (url + separator + "options=-csearch_path%3D\(schema)", {
            _ = try? admin.executeScript("DROP SCHEMA \(schema) CASCADE")
            admin.close()
        })
    }
}

