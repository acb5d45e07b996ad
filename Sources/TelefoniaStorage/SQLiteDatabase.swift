import CSQLite

/// Owner of one SQLite connection: opens it, caches prepared statements by SQL
/// text and closes everything in `close()` or `deinit`.
///
/// Not thread-safe: `SQLStore` serialises every use behind its lock.
final class SQLiteDatabase: SQLDatabase {
    var dialect: SQLDialect { .sqlite }
    let path: String
    private var connection: OpaquePointer?
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens (creating if needed) the database file; the parent folder must exist.
    init(path: String) throws(SQLiteError) {
        var connection: OpaquePointer?
        // NOMUTEX: the owner's lock already serialises access to this connection.
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &connection, flags, nil)
        guard status == SQLITE_OK, let connection else {
            let error = SQLiteError(connection: connection, fallbackCode: status)
            sqlite3_close_v2(connection)
            throw error
        }
        sqlite3_extended_result_codes(connection, 1)
        self.path = path
        self.connection = connection
    }

    deinit {
        close()
    }

    /// Finalizes the cached statements and closes the connection; later calls fail
    /// with SQLITE_MISUSE. Safe to call twice.
    func close() {
        statements.removeAll()
        if let connection {
            sqlite3_close_v2(connection)
            self.connection = nil
        }
    }

    /// Sets how long a statement waits for another connection's lock before SQLITE_BUSY.
    func setBusyTimeout(milliseconds: Int32) throws(SQLiteError) {
        let connection = try open()
        guard sqlite3_busy_timeout(connection, milliseconds) == SQLITE_OK else {
            throw SQLiteError(connection: connection)
        }
    }

    @discardableResult
    func execute(_ sql: String, values: [any SQLBindable]) throws(SQLiteError) -> Int {
        let connection = try open()
        let statement = try prepared(sql)
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() {}
        return Int(sqlite3_changes64(connection))
    }

    func query<T>(_ sql: String, values: [any SQLBindable], row map: (SQLRow) throws -> T) throws -> [T] {
        let statement = try prepared(sql)
        defer { statement.reset() }
        try statement.bind(values)
        var result: [T] = []
        while try statement.step() {
            result.append(try map(statement.row))
        }
        return result
    }

    /// Runs several statements without parameters (migrations); not cached.
    func executeScript(_ sql: String) throws(SQLiteError) {
        let connection = try open()
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(connection, sql, nil, nil, &message)
        guard status == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_free(message)
            throw SQLiteError(code: sqlite3_extended_errcode(connection), message: text, sql: sql)
        }
    }

    /// Runs `body` in a write transaction, committed when it returns and rolled back
    /// when it throws. IMMEDIATE takes the write lock first (waiting up to the busy
    /// timeout), so a read inside cannot later fail to upgrade with SQLITE_BUSY.
    func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE", values: [])
        do {
            let result = try body()
            try execute("COMMIT", values: [])
            return result
        } catch {
            if let connection, sqlite3_get_autocommit(connection) == 0 {
                _ = try? execute("ROLLBACK", values: [])
            }
            throw error
        }
    }

    private func open() throws(SQLiteError) -> OpaquePointer {
        guard let connection else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "the database \(path) is closed")
        }
        return connection
    }

    private func prepared(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let statement = statements[sql] { return statement }
        let statement = try SQLiteStatement(connection: try open(), sql: sql)
        statements[sql] = statement
        return statement
    }
}
