import Foundation
import Testing

@testable import EDALState

/// A store written by the release before the layout carried a version opens, migrates and keeps
/// every claim, watermark and baseline; the made-up buckets that stood in for leases are gone.
@Suite("Schema migrations", .timeLimit(.minutes(5)))
struct SchemaMigrationTests {
    static let written = Date(milliseconds: 1_795_000_000_000)
    static let payload: [UInt8] = Array(#"{"id":"b/logs/{date}.json","objectCount":42}"#.utf8)

    /// What that release wrote to a SQLite file: its tables and index as it created them, and rows
    /// as its statements wrote them (claims with empty `bucket` and `key` columns, the sweep's lock
    /// as a claim of `edal~sweep`, readiness as a watermark of `edal~ready`, baselines as `models`).
    static let unversionedFile = """
        CREATE TABLE claims (
            id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, etag TEXT NOT NULL, seq TEXT,
            version_id TEXT, last_modified INTEGER, owner TEXT NOT NULL, token TEXT NOT NULL,
            status TEXT NOT NULL, lease_until INTEGER, outcome TEXT, signal_id TEXT,
            claims INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, claimed_at INTEGER NOT NULL,
            completed_at INTEGER, expires_at INTEGER
        ) WITHOUT ROWID;
        CREATE TABLE watermarks (
            id TEXT PRIMARY KEY, bucket TEXT NOT NULL, prefix TEXT NOT NULL, watermark INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE models (
            name TEXT PRIMARY KEY, version INTEGER NOT NULL, trained_at INTEGER NOT NULL, payload BLOB NOT NULL,
            saved_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX claims_expiry ON claims (expires_at) WHERE expires_at IS NOT NULL;
        CREATE INDEX claims_status_lease ON claims (status, lease_until);
        INSERT INTO claims VALUES ('telemetry/logs/a.json', '', '', 'e1', '0001', NULL, 1795000000000, 'worker-a', 't1',
            'done', NULL, 'signalled', 'sig-1', 1, 1795000000000, 1795000000000, 1795000001000, NULL);
        INSERT INTO claims VALUES ('telemetry/logs/b.json', 'telemetry', 'logs/b.json', 'e2', NULL, 'v7', NULL, 'worker-b', 't2',
            'processing', 4102444800000, NULL, NULL, 2, 1795000000000, 1795000000000, NULL, 4102444800000);
        INSERT INTO claims VALUES ('edal~sweep/telemetry/window-5', '', '', 'window-5', NULL, NULL, NULL, 'worker-a', 't3',
            'done', NULL, 'swept', NULL, 1, 1795000000000, 1795000000000, 1795000000000, NULL);
        INSERT INTO watermarks VALUES ('telemetry/logs/', 'telemetry', 'logs/', 1795000000000, 1795000000000);
        INSERT INTO watermarks VALUES ('edal~ready/', 'edal~ready', '', 1795000000000, 1795000000000);
        """

    @Test(
        "a SQLite file of the unversioned layout opens at version 1 with its claims, watermarks and baselines; opening it again changes nothing"
    )
    func sqliteUnversioned() async throws {
        let path = Self.temporaryFile("migrate")
        defer { Self.remove(path) }
        do {
            let old = try SQLiteDatabase(path: path)
            try old.execute(Self.unversionedFile)
            _ = try old.run(
                "INSERT INTO models VALUES ('source/telemetry/logs', 3, ?1, ?2, ?1)",
                [.integer(Self.written.milliseconds), .blob(Self.payload)])
            old.close()
        }
        for _ in 0..<2 {
            let store = try await SQLiteStateStore.open(path: path)
            try await Self.expectKept(store)
            await store.close()
        }
        let migrated = try SQLiteDatabase(path: path)
        defer { migrated.close() }
        #expect(try SQLiteSchema.userVersion(migrated) == SQLiteSchema.current)
        var columns: [String] = []
        _ = try migrated.run("SELECT name FROM pragma_table_info('claims')") { columns.append($0.text(0) ?? "") }
        #expect(!columns.contains("bucket") && !columns.contains("key"), "\(columns)")
        var tables: [String] = []
        _ = try migrated.run("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name") {
            tables.append($0.text(0) ?? "")
        }
        #expect(tables == ["baselines", "claims", "claims_expiry", "leases", "watermarks"], "\(tables)")
        var leftovers = 0
        _ = try migrated.run(
            "SELECT (SELECT count(*) FROM claims WHERE id LIKE 'edal~%') + (SELECT count(*) FROM watermarks WHERE bucket LIKE 'edal~%')"
        ) {
            leftovers = Int($0.integer(0) ?? -1)
        }
        #expect(leftovers == 0)
    }

    @Test("a SQLite file of a later layout is refused with a message that says what to do")
    func sqliteLater() async throws {
        let path = Self.temporaryFile("later")
        defer { Self.remove(path) }
        do {
            let later = try SQLiteDatabase(path: path)
            try later.execute("PRAGMA user_version = \(SQLiteSchema.current + 1)")
            later.close()
        }
        do {
            let store = try await SQLiteStateStore.open(path: path)
            await store.close()
            Issue.record("a later layout was opened")
        } catch {
            #expect("\(error)".contains("written by a later EDAL"), "\(error)")
        }
    }

    @Test(
        "a MongoDB database of the unversioned layout opens at version 1 with its claims, watermarks and baselines",
        arguments: StoreUnderTest.all.filter { $0 != .sqlite })
    func mongoUnversioned(_ kind: StoreUnderTest) async throws {
        let uri = try kind.freshURI()
        let connection = try MongoConnection(uri: uri, threads: 1)
        func write(_ command: BSONDocument) async throws {
            let reply = try await connection.run(command, .write)
            #expect(reply["ok"]?.doubleValue == 1 && reply["writeErrors"] == nil, "\(reply)")
        }
        // As that release wrote them.
        try await write([
            "insert": "claims",
            "documents": [
                [
                    "_id": "telemetry/logs/a.json", "bucket": "telemetry", "key": "logs/a.json", "etag": "e1",
                    "seq": "0001",
                    "owner": "worker-a", "token": "t1", "status": "done", "outcome": "signalled", "signalId": "sig-1",
                    "claims": .int64(1), "createdAt": .date(Self.written), "claimedAt": .date(Self.written),
                    "completedAt": .date(Self.written),
                    "lastModified": .date(Self.written), "versionId": .null,
                ],
                [
                    "_id": "telemetry/logs/b.json", "bucket": "telemetry", "key": "logs/b.json", "etag": "e2",
                    "versionId": "v7",
                    "owner": "worker-b", "token": "t2", "status": "processing",
                    "leaseUntil": .date(Date(milliseconds: 4_102_444_800_000)),
                    "claims": .int64(2), "createdAt": .date(Self.written), "claimedAt": .date(Self.written),
                    "lastModified": .null,
                ],
                [
                    "_id": "edal~sweep/telemetry/window-5", "bucket": "edal~sweep", "key": "telemetry/window-5",
                    "etag": "window-5",
                    "owner": "worker-a", "token": "t3", "status": "done", "claims": .int64(1),
                    "createdAt": .date(Self.written),
                ],
            ],
        ])
        try await write([
            "insert": "watermarks",
            "documents": [
                ["_id": "telemetry/logs/", "bucket": "telemetry", "prefix": "logs/", "watermark": .date(Self.written)],
                ["_id": "edal~ready/", "bucket": "edal~ready", "prefix": "", "watermark": .date(Self.written)],
            ],
        ])
        try await write([
            "insert": "models",
            "documents": [
                [
                    "_id": "source/telemetry/logs", "version": .int64(3), "trainedAt": .date(Self.written),
                    "payload": .binary(Self.payload), "savedAt": .date(Self.written),
                ]
            ],
        ])
        try await write([
            "createIndexes": "claims",
            "indexes": [["key": ["status": 1, "leaseUntil": 1], "name": "status_1_leaseUntil_1"]],
        ])

        for _ in 0..<2 {
            let store = try await MongoStateStore.open(uri: uri, threads: 2)
            try await Self.expectKept(store)
            #expect(try await MongoSchema.storedVersion(store) == MongoSchema.current)
            let collections = try await MongoSchema.collections(store)
            #expect(!collections.contains("models") && collections.contains("baselines"), "\(collections)")
            #expect(try await !MongoSchema.indexes(store, of: "claims").contains("status_1_leaseUntil_1"))
            #expect(try await store.storedClaim(bucket: "edal~sweep", key: "telemetry/window-5") == nil)
            await store.close()
        }
        let store = try await MongoStateStore.open(uri: uri, threads: 1)
        try await store.dropDatabase()
        await store.close()
        await connection.close()
    }

    static func temporaryFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("edal-\(name)-\(UUID().uuidString).db").path
    }

    /// The file and its WAL and shared-memory files.
    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// What the unversioned store held, read through today's store.
    static func expectKept(_ store: any StateStore) async throws {
        let done = try #require(try await store.storedClaim(bucket: "telemetry", key: "logs/a.json"))
        #expect(done.status == .done && done.signalId == "sig-1" && done.eTag == "e1" && done.owner == "worker-a")
        #expect(done.bucket == "telemetry" && done.key == "logs/a.json")
        let held = try #require(try await store.storedClaim(bucket: "telemetry", key: "logs/b.json"))
        #expect(held.status == .processing && held.versionId == "v7" && held.claims == 2)
        // The rules still apply to them: done content is a duplicate, a live lease is in progress.
        let again = try await store.claim(
            [
                ClaimRequest(bucket: "telemetry", key: "logs/a.json", eTag: "e1"),
                ClaimRequest(bucket: "telemetry", key: "logs/b.json", eTag: "e2", versionId: "v7"),
            ],
            owner: "worker-c", lease: .seconds(60))
        #expect(again == [.duplicate, .inProgress])
        #expect(try await store.watermark(bucket: "telemetry", prefix: "logs/") == Self.written)
        #expect(try await store.watermark(bucket: "edal~ready", prefix: "") == nil)
        let baseline = try #require(try await store.loadBaseline(named: "source/telemetry/logs"))
        #expect(baseline.version == 3 && baseline.writtenAt == Self.written && baseline.payload == Self.payload)
        #expect(
            try await store.loadBaselines(prefix: "source/", savedSince: nil, after: nil, limit: 10).map(\.name) == [
                "source/telemetry/logs"
            ])
    }
}
