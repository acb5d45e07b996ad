import CLibPQ
import Foundation

/// What a PostgreSQL server said when a statement failed: its SQLSTATE (`23505` a
/// unique violation…) and message, or a connection that could not be made or was lost.
struct PostgresError: Error, CustomStringConvertible {
    /// Five-character SQLSTATE; empty when the connection itself failed.
    var sqlState: String
    var message: String
    var sql: String?

    var description: String {
        "PostgreSQL error \(sqlState.isEmpty ? "(connection)" : sqlState): \(message)" + (sql.map { " in: \($0)" } ?? "")
    }

    var isConnectionFailure: Bool { sqlState.isEmpty || sqlState.hasPrefix("08") || sqlState == "57P01" }
}

/// One connection to a PostgreSQL server through libpq, synchronous like SQLite's: the
/// store calls it from its own threads (never an event loop, see
/// `SQLStore.forbiddenThread`), one statement at a time under the store's lock.
///
/// Statements are the store's SQL rewritten once by `PostgresDialect` (and cached);
/// parameters go as text and the server infers their types from the statement.
/// A lost connection (a restarted server, a failover) is opened again, and a
/// statement outside a transaction is tried once more on the new one.
final class PostgresDatabase: SQLDatabase {
    var dialect: SQLDialect { .postgres }
    /// The URL without its password, for messages.
    let location: String
    private let url: String
    private var connection: OpaquePointer?
    private var statements: [String: String] = [:]
    private var inTransaction = false

    /// The key of the advisory lock every write transaction takes (any fixed number;
    /// this one spells "tel" in ASCII).
    static let writeLockKey: Int64 = 0x74_656C

    init(url: String) throws(PostgresError) {
        self.url = url
        self.location = Self.redacted(url)
        connection = try Self.connect(url)
    }

    deinit {
        close()
    }

    func close() {
        if let connection {
            PQfinish(connection)
            self.connection = nil
        }
    }

    @discardableResult
    func execute(_ sql: String, values: [any SQLBindable]) throws -> Int {
        let result = try run(translated(sql), values: values, original: sql)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    func query<T>(_ sql: String, values: [any SQLBindable], row map: (SQLRow) throws -> T) throws -> [T] {
        let result = try run(translated(sql), values: values, original: sql)
        defer { PQclear(result) }
        let count = PQntuples(result)
        var rows: [T] = []
        rows.reserveCapacity(Int(count))
        for index in 0..<count {
            rows.append(try map(.postgres(result, row: index)))
        }
        return rows
    }

    func executeScript(_ sql: String) throws {
        let result = try run(sql, values: [], original: sql)
        PQclear(result)
    }

    func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN", values: [])
        inTransaction = true
        defer { inTransaction = false }
        do {
            try execute("SELECT pg_advisory_xact_lock(?)", values: [Self.writeLockKey])
            let result = try body()
            try execute("COMMIT", values: [])
            return result
        } catch {
            if let connection, PQtransactionStatus(connection) != PQTRANS_IDLE {
                _ = try? execute("ROLLBACK", values: [])
            }
            throw error
        }
    }

    // MARK: - libpq

    private func translated(_ sql: String) -> String {
        if let text = statements[sql] { return text }
        let text = PostgresDialect.statement(sql)
        statements[sql] = text
        return text
    }

    /// Runs one statement (or a parameterless script) and returns its result, which the
    /// caller clears. Retries once on a new connection when the old one was lost outside
    /// a transaction (inside one, the transaction is gone with it: the error goes up).
    private func run(_ sql: String, values: [any SQLBindable], original: String) throws -> OpaquePointer {
        do {
            return try runOnce(sql, values: values, original: original)
        } catch let error as PostgresError where error.isConnectionFailure && !inTransaction {
            close()
            connection = try Self.connect(url)
            return try runOnce(sql, values: values, original: original)
        }
    }

    private func runOnce(_ sql: String, values: [any SQLBindable], original: String) throws -> OpaquePointer {
        guard let connection else {
            throw PostgresError(sqlState: "", message: "the connection to \(location) is closed")
        }
        var texts: [UnsafeMutablePointer<CChar>?] = values.map {
            switch $0.sqlValue {
            case .integer(let integer): strdup(String(integer))
            case .text(let text): strdup(text)
            case .null: nil
            }
        }
        defer { for text in texts { free(text) } }
        let result: OpaquePointer? = texts.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(buffer.count, 1)) { pointer in
                if values.isEmpty {
                    // No parameters: PQexec, which also takes several statements (migrations).
                    return PQexec(connection, sql)
                }
                return PQexecParams(connection, sql, Int32(values.count), nil, pointer, nil, nil, 0)
            }
        }
        guard let result else {
            throw PostgresError(sqlState: "", message: Self.message(connection), sql: original)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return result
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            let text = PQresultErrorMessage(result).map { String(cString: $0) } ?? "unknown error"
            PQclear(result)
            let lost = PQstatus(connection) != CONNECTION_OK
            throw PostgresError(sqlState: lost ? "" : state, message: text.trimmingCharacters(in: .whitespacesAndNewlines), sql: original)
        }
    }

    private static func connect(_ url: String) throws(PostgresError) -> OpaquePointer {
        // A server that does not answer is an error after 10 s, not a hang.
        let withTimeout = url.contains("connect_timeout") ? url : url + (url.contains("?") ? "&" : "?") + "connect_timeout=10"
        guard let connection = PQconnectdb(withTimeout) else {
            throw PostgresError(sqlState: "", message: "out of memory connecting to \(redacted(url))")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let text = message(connection)
            PQfinish(connection)
            throw PostgresError(sqlState: "", message: "cannot connect to \(redacted(url)): \(text)")
        }
        // Notices (e.g. "relation already exists, skipping") are not errors; libpq would print them.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        return connection
    }

    private static func message(_ connection: OpaquePointer) -> String {
        PQerrorMessage(connection).map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown error"
    }

    /// `postgres://user:secret@host/db` → `postgres://user@host/db`.
    static func redacted(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + String(url[at...])
    }
}
