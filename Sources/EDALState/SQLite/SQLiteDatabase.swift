import CSQLite

/// One SQLite connection with its prepared statements.
///
/// `@unchecked Sendable`: it is not thread-safe, and `SQLiteStateStore` only ever uses it from its one
/// dedicated thread, under a lock.
final class SQLiteDatabase: @unchecked Sendable {
    let path: String
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    /// How long a writer waits for another process's transaction before the store reports `unavailable`.
    static let defaultBusyTimeoutMilliseconds: Int32 = 5_000

    /// Opens (creating if needed) the database at `path`, in WAL mode with a busy timeout.
    init(path: String, busyTimeoutMilliseconds: Int32 = SQLiteDatabase.defaultBusyTimeoutMilliseconds)
        throws(StateStoreError)
    {
        self.path = path
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let result = sqlite3_open_v2(path, &handle, flags, nil)
        self.handle = handle
        guard result == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            self.handle = nil
            throw .failed(store: "sqlite:\(path)", reason: "cannot open the database file: \(message)")
        }
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        // WAL: readers never block the writer, and several processes on one host share the file.
        // synchronous=NORMAL in WAL mode survives any process crash; only a power cut can lose the
        // last transactions, which then run again (the same signal id is published twice at worst).
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=NORMAL")
        // Statement and savepoint journals (the page images a failed statement or operation is rolled
        // back from) in memory: on disk, each was a temporary file written page by page, more writes
        // than the WAL itself. They live only inside one transaction, so a crash loses nothing.
        try execute("PRAGMA temp_store=MEMORY")
    }

    deinit {
        close()
    }

    /// Finalises the statements and closes the connection.
    func close() {
        for statement in statements.values { sqlite3_finalize(statement) }
        statements = [:]
        sqlite3_close_v2(handle)
        handle = nil
    }

    var store: String { "sqlite:\(path)" }

    /// Runs SQL without results (several statements allowed).
    func execute(_ sql: String) throws(StateStoreError) {
        let result = sqlite3_exec(handle, sql, nil, nil, nil)
        guard result == SQLITE_OK || result == SQLITE_ROW else { throw error(result, doing: sql) }
    }

    /// Runs `sql` with `values`; calls `row` for each result row. Returns the rows changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLiteValue] = [], row: (SQLiteStatement) -> Void = { _ in })
        throws(StateStoreError) -> Int
    {
        let statement = try prepared(sql)
        defer { sqlite3_reset(statement.handle) }
        let bound = statement.bind(values)
        guard bound == SQLITE_OK else { throw error(bound, doing: sql) }
        while true {
            let result = sqlite3_step(statement.handle)
            switch result {
            case SQLITE_ROW: row(statement)
            case SQLITE_DONE: return Int(sqlite3_changes(handle))
            default: throw error(result, doing: sql)
            }
        }
    }

    /// Runs `body` in one write transaction, taken at once (`BEGIN IMMEDIATE`) so that what it reads
    /// cannot change before it writes; rolls back when `body` throws.
    func transaction<T>(_ body: () throws(StateStoreError) -> T) throws(StateStoreError) -> T {
        try run("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            throw error
        }
    }

    /// Whether a transaction is open (SQLite may roll one back on its own after an I/O or full-disk error).
    var inTransaction: Bool { handle.map { sqlite3_get_autocommit($0) == 0 } ?? false }

    /// Runs `body` inside a savepoint of the open transaction: its writes stay when it returns and are
    /// undone when it throws, while the transaction around it goes on.
    func savepoint<T>(_ body: () throws(StateStoreError) -> T) -> Result<T, StateStoreError> {
        do {
            try run("SAVEPOINT operation")
        } catch {
            return .failure(error)
        }
        do {
            let result = try body()
            try run("RELEASE operation")
            return .success(result)
        } catch {
            _ = sqlite3_exec(handle, "ROLLBACK TO operation", nil, nil, nil)
            _ = sqlite3_exec(handle, "RELEASE operation", nil, nil, nil)
            return .failure(error)
        }
    }

    /// Ends the open transaction without its writes.
    func rollback() {
        _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
    }

    private func prepared(_ sql: String) throws(StateStoreError) -> SQLiteStatement {
        if let statement = statements[sql] { return SQLiteStatement(handle: statement) }
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else { throw error(result, doing: sql) }
        statements[sql] = statement
        return SQLiteStatement(handle: statement)
    }

    /// Another process holding the lock past the busy timeout is transient; anything else is not.
    private func error(_ code: Int32, doing sql: String) -> StateStoreError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "the database is closed"
        let primary = code & 0xff
        if primary == SQLITE_BUSY || primary == SQLITE_LOCKED {
            return .unavailable(store: store, reason: "the database is locked by another writer: \(message)")
        }
        let statement = sql.split(separator: " ").prefix(3).joined(separator: " ")
        return .failed(store: store, reason: "\(statement) …: \(message) (SQLite code \(code))")
    }
}
