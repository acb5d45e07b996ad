import CSQLite

/// An error reported by SQLite. The only place where SQLite status codes become
/// Swift values; `SQLStore` turns these into `StoreError`s for its callers.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, from SQLite's (extended) result code.
    public enum Reason: Sendable, Equatable {
        /// Another connection held a lock for longer than the busy timeout.
        case busy
        case locked
        case uniqueViolation
        case primaryKeyViolation
        case foreignKeyViolation
        case notNullViolation
        case checkViolation
        case constraint
        case readOnly
        case cantOpen
        case corrupt
        case notADatabase
        case full
        case ioError
        case misuse
        /// Any other status: the primary code (SQLITE_ERROR is 1).
        case other(Int32)

        /// Maps an extended result code (`sqlite3_extended_errcode`) or a primary one.
        public init(statusCode: Int32) {
            switch statusCode {
            case Self.constraintUnique: self = .uniqueViolation
            case Self.constraintPrimaryKey: self = .primaryKeyViolation
            case Self.constraintForeignKey: self = .foreignKeyViolation
            case Self.constraintNotNull: self = .notNullViolation
            case Self.constraintCheck: self = .checkViolation
            default:
                switch statusCode & 0xFF {
                case SQLITE_BUSY: self = .busy
                case SQLITE_LOCKED: self = .locked
                case SQLITE_CONSTRAINT: self = .constraint
                case SQLITE_READONLY: self = .readOnly
                case SQLITE_CANTOPEN: self = .cantOpen
                case SQLITE_CORRUPT: self = .corrupt
                case SQLITE_NOTADB: self = .notADatabase
                case SQLITE_FULL: self = .full
                case SQLITE_IOERR: self = .ioError
                case SQLITE_MISUSE: self = .misuse
                default: self = .other(statusCode & 0xFF)
                }
            }
        }

        // The extended codes are macros of expressions; spelled out here
        // (sqlite3.h: SQLITE_CONSTRAINT | (n << 8)).
        private static let constraintCheck = SQLITE_CONSTRAINT | (1 << 8)
        private static let constraintForeignKey = SQLITE_CONSTRAINT | (3 << 8)
        private static let constraintNotNull = SQLITE_CONSTRAINT | (5 << 8)
        private static let constraintPrimaryKey = SQLITE_CONSTRAINT | (6 << 8)
        private static let constraintUnique = SQLITE_CONSTRAINT | (8 << 8)
    }

    public var reason: Reason
    /// The extended result code.
    public var code: Int32
    /// SQLite's own words (`sqlite3_errmsg`).
    public var message: String
    /// The statement that failed, if any.
    public var sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.reason = Reason(statusCode: code)
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The error last reported on a connection.
    init(connection: OpaquePointer?, sql: String? = nil, fallbackCode: Int32 = SQLITE_ERROR) {
        if let connection {
            self.init(code: sqlite3_extended_errcode(connection), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        } else {
            self.init(code: fallbackCode, message: String(cString: sqlite3_errstr(fallbackCode)), sql: sql)
        }
    }

    public var description: String {
        if let sql { return "SQLite error \(code): \(message) (in \(sql))" }
        return "SQLite error \(code): \(message)"
    }
}
