import CSQLite

// SQLITE_TRANSIENT is a macro cast Swift cannot import: SQLite copies the bytes.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement; owns its `sqlite3_stmt` and finalizes it in `deinit`.
/// Used only by `SQLiteDatabase`, under its owner's lock.
final class SQLiteStatement {
    let sql: String
    private let handle: OpaquePointer
    private let connection: OpaquePointer

    init(connection: OpaquePointer, sql: String) throws(SQLiteError) {
        var handle: OpaquePointer?
        let status = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        guard status == SQLITE_OK, let handle else {
            sqlite3_finalize(handle)
            throw SQLiteError(connection: connection, sql: sql)
        }
        self.sql = sql
        self.handle = handle
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds the values to `?1`, `?2`… in order.
    func bind(_ values: [any SQLBindable]) throws(SQLiteError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status = switch value.sqlValue {
            case .integer(let integer): sqlite3_bind_int64(handle, index, integer)
            case .text(let text): sqlite3_bind_text(handle, index, text, Int32(text.utf8.count), transient)
            case .null: sqlite3_bind_null(handle, index)
            }
            guard status == SQLITE_OK else { throw SQLiteError(connection: connection, sql: sql) }
        }
    }

    /// Steps once: true when a row is ready to read, false when done.
    func step() throws(SQLiteError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError(connection: connection, sql: sql)
        }
    }

    /// Ends the statement so it holds no read transaction (which would hide other
    /// connections' commits and stop WAL checkpoints) and can be run again.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// The current row; valid until the next `step` or `reset`.
    var row: SQLRow { .sqlite(handle) }
}
