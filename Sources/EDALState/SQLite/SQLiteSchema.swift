/// The SQLite file's layout, numbered in `PRAGMA user_version`, and the steps that bring an older
/// file up to it.
///
/// Opening a file runs every step between its version and `current` in one transaction with the
/// new version number, so a file is never left half migrated; a file of a later version than this
/// EDAL knows is refused (its layout may mean something this one would break).
enum SQLiteSchema {
    /// 1: claims keyed by `bucket/key` alone (no separate bucket and key columns), expiring;
    /// leases in their own table; baselines in `baselines`; no rows of the made-up buckets
    /// (`edal~…`) that once stood in for leases and readiness.
    static let current: Int64 = 1

    /// The layout of a new file at `current`.
    static let tables = """
        CREATE TABLE IF NOT EXISTS claims (
            id TEXT PRIMARY KEY, etag TEXT NOT NULL, seq TEXT,
            version_id TEXT, last_modified INTEGER, owner TEXT NOT NULL, token TEXT NOT NULL,
            status TEXT NOT NULL, lease_until INTEGER, outcome TEXT, signal_id TEXT,
            claims INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, claimed_at INTEGER NOT NULL,
            completed_at INTEGER, expires_at INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS claims_expiry ON claims (expires_at) WHERE expires_at IS NOT NULL;
        CREATE TABLE IF NOT EXISTS watermarks (
            id TEXT PRIMARY KEY, bucket TEXT NOT NULL, prefix TEXT NOT NULL, watermark INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS leases (
            name TEXT PRIMARY KEY, owner TEXT NOT NULL, token TEXT NOT NULL, expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS baselines (
            name TEXT PRIMARY KEY, version INTEGER NOT NULL, written_at INTEGER NOT NULL, payload BLOB NOT NULL,
            saved_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """

    /// Brings `database` to `current`: a new file gets `tables`, an older one its migrations.
    static func migrate(_ database: SQLiteDatabase) throws(StateStoreError) {
        try database.transaction { () throws(StateStoreError) in
            let version = try userVersion(database)
            guard version < current else {
                if version == current { return }
                throw .failed(
                    store: database.store,
                    reason: "the file was written by a later EDAL (schema version \(version); "
                        + "this one knows up to \(current)): run that EDAL or give this one another file")
            }
            if version == 0, try has(database, table: "claims") { try unversionedToOne(database) }
            try database.execute(tables)
            try database.execute("PRAGMA user_version = \(current)")
        }
    }

    /// Files written before the file carried a version.
    private static func unversionedToOne(_ database: SQLiteDatabase) throws(StateStoreError) {
        // Claims: the id holds bucket and key (a bucket name has no `/`); the columns that repeated
        // them held empty strings for a while, and the expiry column came later.
        if try !has(database, table: "claims", column: "expires_at") {
            try database.execute("ALTER TABLE claims ADD COLUMN expires_at INTEGER")
        }
        // Served no query (every claim is read by its id) and cost a write on every claim.
        try database.execute("DROP INDEX IF EXISTS claims_status_lease")
        for column in ["bucket", "key"] where try has(database, table: "claims", column: column) {
            try database.execute("ALTER TABLE claims DROP COLUMN \(column)")
        }
        // The sweep's and the silence check's locks and the readiness probe, once written as claims
        // and watermarks of made-up buckets, are leases now (and readiness a ping).
        try database.execute("DELETE FROM claims WHERE id LIKE 'edal~%'")
        if try has(database, table: "watermarks") {
            try database.execute("DELETE FROM watermarks WHERE bucket LIKE 'edal~%'")
        }
        // Baselines were kept as "models" with the time they were "trained".
        if try has(database, table: "models") {
            try database.execute("ALTER TABLE models RENAME TO baselines")
            try database.execute("ALTER TABLE baselines RENAME COLUMN trained_at TO written_at")
        }
    }

    static func userVersion(_ database: SQLiteDatabase) throws(StateStoreError) -> Int64 {
        var version: Int64 = 0
        try database.run("PRAGMA user_version") { row in version = row.integer(0) ?? 0 }
        return version
    }

    private static func has(_ database: SQLiteDatabase, table: String) throws(StateStoreError) -> Bool {
        var found = false
        try database.run("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", [.text(table)]) { _ in
            found = true
        }
        return found
    }

    private static func has(_ database: SQLiteDatabase, table: String, column: String) throws(StateStoreError) -> Bool {
        var found = false
        try database.run("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", [.text(table), .text(column)]) { _ in
            found = true
        }
        return found
    }
}
