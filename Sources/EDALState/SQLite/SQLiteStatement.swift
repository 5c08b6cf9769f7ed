import CSQLite

/// A value bound to, or read from, an SQLite statement.
enum SQLiteValue: Sendable, Equatable {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case null

    static func optional(_ text: String?) -> SQLiteValue { text.map(SQLiteValue.text) ?? .null }
    static func optional(_ integer: Int64?) -> SQLiteValue { integer.map(SQLiteValue.integer) ?? .null }
}

/// `SQLITE_TRANSIENT`: SQLite copies bound text and blobs before `bind` returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement, reused across calls; only ever touched by its database's thread.
struct SQLiteStatement {
    let handle: OpaquePointer

    /// Binds `values` to `?1`, `?2`, … after resetting the statement.
    func bind(_ values: [SQLiteValue]) -> Int32 {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let result: Int32
            switch value {
            case .integer(let integer): result = sqlite3_bind_int64(handle, index, integer)
            case .text(let text): result = sqlite3_bind_text(handle, index, text, -1, transient)
            case .blob(let bytes):
                result = bytes.withUnsafeBytes {
                    sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transient)
                }
            case .null: result = sqlite3_bind_null(handle, index)
            }
            if result != SQLITE_OK { return result }
        }
        return SQLITE_OK
    }

    func text(_ column: Int32) -> String? {
        guard sqlite3_column_type(handle, column) != SQLITE_NULL, let text = sqlite3_column_text(handle, column) else {
            return nil
        }
        return String(cString: text)
    }

    func integer(_ column: Int32) -> Int64? {
        guard sqlite3_column_type(handle, column) != SQLITE_NULL else { return nil }
        return sqlite3_column_int64(handle, column)
    }

    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }
}
