import CLibPQ
import CSQLite

/// A value bound to a statement parameter: the only three kinds the store writes.
enum SQLValue: Sendable, Equatable {
    case integer(Int64)
    case text(String)
    case null
}

/// A Swift value that can be bound to a `?` parameter of a statement.
protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

extension String: SQLBindable {
    var sqlValue: SQLValue { .text(self) }
}

extension Int64: SQLBindable {
    var sqlValue: SQLValue { .integer(self) }
}

extension Int: SQLBindable {
    var sqlValue: SQLValue { .integer(Int64(self)) }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// Which SQL the connection speaks. The store's statements are written once, in the
/// SQL both engines accept; `PostgresDialect` rewrites the few spellings that differ
/// (parameters, `rowid`) and each migration may carry its PostgreSQL text.
enum SQLDialect: Sendable {
    case sqlite, postgres
}

/// One connection the store runs its statements on: an SQLite file (`SQLiteDatabase`)
/// or a PostgreSQL server (`PostgresDatabase`). Not thread-safe: `SQLStore` serialises
/// every use behind its lock.
protocol SQLDatabase: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs a statement to completion; returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, values: [any SQLBindable]) throws -> Int
    /// Runs a query and maps each row.
    func query<T>(_ sql: String, values: [any SQLBindable], row map: (SQLRow) throws -> T) throws -> [T]
    /// Runs several statements without parameters (migrations).
    func executeScript(_ sql: String) throws
    /// Runs `body` in a write transaction, committed when it returns and rolled back when
    /// it throws. Write transactions never run side by side, on one machine or several
    /// (SQLite's single writer; one advisory lock on PostgreSQL), so a read inside one
    /// sees what the transaction will write over.
    func writeTransaction<T>(_ body: () throws -> T) throws -> T
    /// Closes the connection; later calls throw. Safe to call twice.
    func close()
}

extension SQLDatabase {
    @discardableResult
    func execute(_ sql: String, _ values: any SQLBindable...) throws -> Int {
        try execute(sql, values: values)
    }

    func query<T>(_ sql: String, _ values: any SQLBindable..., row: (SQLRow) throws -> T) throws -> [T] {
        try query(sql, values: values, row: row)
    }
}

/// Column accessors of the current row of a query (0-based indices), valid inside the
/// row closure only. SQLite gives typed values; PostgreSQL gives text (libpq's text
/// format), read back into integers here, `t`/`f` for booleans.
struct SQLRow {
    fileprivate enum Cursor {
        case sqlite(OpaquePointer)
        case postgres(OpaquePointer, Int32)
    }

    fileprivate let cursor: Cursor

    static func sqlite(_ statement: OpaquePointer) -> SQLRow { SQLRow(cursor: .sqlite(statement)) }
    static func postgres(_ result: OpaquePointer, row: Int32) -> SQLRow { SQLRow(cursor: .postgres(result, row)) }

    func isNull(_ index: Int32) -> Bool {
        switch cursor {
        case .sqlite(let statement): sqlite3_column_type(statement, index) == SQLITE_NULL
        case .postgres(let result, let row): PQgetisnull(result, row, index) != 0
        }
    }

    func int64(_ index: Int32) -> Int64 {
        switch cursor {
        case .sqlite(let statement):
            return sqlite3_column_int64(statement, index)
        case .postgres:
            let value = text(index)
            if let integer = Int64(value) { return integer }
            if value == "t" { return 1 }
            if value == "f" { return 0 }
            // numeric results (sum of bigints, avg) as SQLite would give them: truncated.
            return Double(value).map { Int64($0) } ?? 0
        }
    }

    func int(_ index: Int32) -> Int {
        Int(int64(index))
    }

    func text(_ index: Int32) -> String {
        switch cursor {
        case .sqlite(let statement):
            guard let bytes = sqlite3_column_text(statement, index) else { return "" }
            let count = Int(sqlite3_column_bytes(statement, index))
            return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
        case .postgres(let result, let row):
            guard let bytes = PQgetvalue(result, row, index) else { return "" }
            let count = Int(PQgetlength(result, row, index))
            return bytes.withMemoryRebound(to: UInt8.self, capacity: count) {
                String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
            }
        }
    }

    func optionalText(_ index: Int32) -> String? {
        isNull(index) ? nil : text(index)
    }

    func optionalInt64(_ index: Int32) -> Int64? {
        isNull(index) ? nil : int64(index)
    }
}
