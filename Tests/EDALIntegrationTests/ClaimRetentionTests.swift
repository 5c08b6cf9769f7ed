import Foundation
import Testing

@testable import EDALState

/// Claims expire after the retention window, so the store stays bounded: inside the window a
/// redelivery is a duplicate; after it, the same content is claimed anew (documented behaviour).
@Suite("claim retention", .timeLimit(.minutes(5)))
struct ClaimRetentionTests {
    static let request = ClaimRequest(
        bucket: "telemetry", key: "logs/a.json", eTag: "0cc175b9c0f1b6a831c399e269772661", sequencer: "0A")

    @Test(
        "a claim written with a retention carries its expiry; inside the window a redelivery is a duplicate",
        arguments: StoreUnderTest.all)
    func expiryIsWritten(store kind: StoreUnderTest) async throws {
        try await kind.withStore(claimRetention: .seconds(3600)) { store, uri in
            let before = Date()
            let ticket = try #require(try await store.claim([Self.request], owner: "w", lease: .seconds(30))[0].ticket)
            #expect(
                try await store.complete([ClaimCompletion(ticket: ticket, outcome: .signalled(signalId: "s"))]) == [
                    true
                ])
            #expect(try await store.claim([Self.request], owner: "w", lease: .seconds(30)) == [.duplicate])

            switch try StateStoreFactory.location(of: uri) {
            case .sqlite:
                let pruning = try #require(store as? any ClaimPruning)
                // Inside the window: nothing to delete, still a duplicate.
                #expect(try await pruning.pruneExpiredClaims(now: before.addingTimeInterval(1800), limit: 100) == 0)
                #expect(try await store.claim([Self.request], owner: "w", lease: .seconds(30)) == [.duplicate])
                // After it: deleted, and the same content is claimed anew.
                #expect(try await pruning.pruneExpiredClaims(now: Date().addingTimeInterval(3601), limit: 100) == 1)
                #expect(try await store.storedClaim(bucket: Self.request.bucket, key: Self.request.key) == nil)
                #expect(try await store.claim([Self.request], owner: "w", lease: .seconds(30)).first?.ticket != nil)
            case .mongo(let mongoURI):
                // The server deletes it: a TTL index on expiresAt, and the expiry an hour ahead.
                let connection = try MongoConnection(uri: mongoURI, threads: 1)
                defer { Task { await connection.close() } }
                let indexes = try await connection.run(["listIndexes": .string(MongoStateStore.claims)], .read)
                let specs =
                    indexes["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.compactMap(\.documentValue) ?? []
                let ttl = try #require(
                    specs.first { $0["name"]?.stringValue == MongoStateStore.expiryIndex }, "\(indexes)")
                #expect(ttl["expireAfterSeconds"]?.int64Value == 0, "\(ttl)")
                let found = try await connection.run(
                    ["find": .string(MongoStateStore.claims), "filter": ["_id": .string(Self.request.objectId)]], .read)
                let document = try #require(
                    found["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.first?.documentValue, "\(found)")
                let expiresAt = try #require(document["expiresAt"]?.dateValue, "\(document)")
                // Written at the claim, on the server's clock (the same host's here, give or take a minute).
                #expect(abs(expiresAt.timeIntervalSince(before) - 3600) < 60, "\(expiresAt) vs \(before)")
            }
        }
    }

    @Test("without a retention claims carry no expiry and are never pruned", arguments: StoreUnderTest.all)
    func noRetentionNoExpiry(store kind: StoreUnderTest) async throws {
        try await kind.withStore { store, uri in
            let ticket = try #require(try await store.claim([Self.request], owner: "w", lease: .seconds(30))[0].ticket)
            _ = try await store.complete([ClaimCompletion(ticket: ticket, outcome: .signalled(signalId: "s"))])
            switch try StateStoreFactory.location(of: uri) {
            case .sqlite:
                let pruning = try #require(store as? any ClaimPruning)
                #expect(
                    try await pruning.pruneExpiredClaims(now: Date().addingTimeInterval(86_400 * 10_000), limit: 100)
                        == 0)
            case .mongo(let mongoURI):
                let connection = try MongoConnection(uri: mongoURI, threads: 1)
                defer { Task { await connection.close() } }
                let found = try await connection.run(
                    ["find": .string(MongoStateStore.claims), "filter": ["_id": .string(Self.request.objectId)]], .read)
                let document = try #require(
                    found["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.first?.documentValue, "\(found)")
                #expect(document["expiresAt"] == nil, "\(document)")
            }
            #expect(try await store.claim([Self.request], owner: "w", lease: .seconds(30)) == [.duplicate])
        }
    }

    @Test("a SQLite file from before claims expired gains the column; its old claims never expire, new ones do")
    func olderSQLiteFileIsMigrated() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "edal_old_\(UInt32.random(in: 0...UInt32.max)).db"
        ).path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        do {
            let old = try SQLiteDatabase(path: path, busyTimeoutMilliseconds: 1000)
            try old.execute(
                """
                CREATE TABLE claims (
                    id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, etag TEXT NOT NULL, seq TEXT,
                    version_id TEXT, last_modified INTEGER, owner TEXT NOT NULL, token TEXT NOT NULL,
                    status TEXT NOT NULL, lease_until INTEGER, outcome TEXT, signal_id TEXT,
                    claims INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, claimed_at INTEGER NOT NULL,
                    completed_at INTEGER
                ) WITHOUT ROWID;
                INSERT INTO claims (id, bucket, key, etag, owner, token, status, created_at, claimed_at, completed_at, outcome)
                VALUES ('telemetry/old.json', 'telemetry', 'old.json', 'e', 'w', 't', 'done', 0, 0, 0, 'signalled');
                """)
            old.close()
        }
        let store = try await SQLiteStateStore.open(path: path, claimRetention: .seconds(60))
        defer { Task { await store.close() } }
        let ticket = try #require(try await store.claim([Self.request], owner: "w", lease: .seconds(30))[0].ticket)
        _ = try await store.complete([ClaimCompletion(ticket: ticket, outcome: .signalled(signalId: "s"))])
        #expect(try await store.pruneExpiredClaims(now: Date().addingTimeInterval(120), limit: 100) == 1)
        #expect(try await store.storedClaim(bucket: "telemetry", key: "old.json") != nil)
    }
}
