import Foundation
import NIOConcurrencyHelpers
import NIOPosix

/// The embedded state store for one host: a SQLite file in WAL mode.
///
/// Several `edal` processes on the same host may share the file: every write is in a `BEGIN IMMEDIATE`
/// transaction, and each claim is an `INSERT … ON CONFLICT(id) DO UPDATE … WHERE …` whose changed-row
/// count says whether it won. Claims, completions and lease updates that wait for the store's thread
/// together share one transaction (`SQLiteGroupCommit`), each in its own savepoint. The file must be on a local disk (SQLite's locks do not work over NFS),
/// so a fleet on several hosts needs MongoDB.
///
/// Tables: `claims` (index `claims_expiry` on `expires_at`), `watermarks`, `models`.
public final class SQLiteStateStore: StateStore, ClaimPruning, ModelPruning {
    public let displayName: String
    /// How long a claim is kept after it was last claimed (`nil`: for ever); the worker's `ClaimRetention`.
    public let claimRetention: Duration?
    /// One thread owns the connection: SQLite calls block, and must not run on Swift's cooperative pool.
    private let thread: NIOThreadPool
    private let database: NIOLockedValueBox<SQLiteDatabase?>
    private let calls = NIOLockedValueBox<UInt64>(0)
    private let group = SQLiteGroupCommit()

    public var roundTrips: UInt64 { calls.withLockedValue { $0 } }

    private init(database: SQLiteDatabase, thread: NIOThreadPool, claimRetention: Duration?) {
        self.displayName = database.store
        self.claimRetention = claimRetention
        self.database = NIOLockedValueBox(database)
        self.thread = thread
    }

    /// Opens (creating if needed) the store at `path` and its tables, adding what an older file lacks.
    ///
    /// - Parameter claimRetention: every claim written expires this far ahead and `pruneExpiredClaims`
    ///   deletes it then; `nil` keeps claims for ever.
    public static func open(path: String, busyTimeout: Duration = .seconds(5),
                            claimRetention: Duration? = nil) async throws(StateStoreError) -> SQLiteStateStore {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        let milliseconds = Int32(clamping: Int64(busyTimeout.seconds * 1000))
        let opened: Result<SQLiteDatabase, StateStoreError>
        do {
            opened = try await thread.runIfActive {
                Result { () throws(StateStoreError) -> SQLiteDatabase in
                    let database = try SQLiteDatabase(path: path, busyTimeoutMilliseconds: milliseconds)
                    try database.execute(SQLiteStateStore.schema)
                    // Files written before claims expired lack the column; their claims never expire.
                    var hasExpiry = false
                    try database.run("SELECT name FROM pragma_table_info('claims') WHERE name = 'expires_at'", []) { _ in hasExpiry = true }
                    if !hasExpiry { try database.execute("ALTER TABLE claims ADD COLUMN expires_at INTEGER") }
                    try database.execute(SQLiteStateStore.indexes)
                    return database
                }
            }
        } catch {
            opened = .failure(.failed(store: "sqlite:\(path)", reason: "could not start the store's thread"))
        }
        switch opened {
        case .success(let database):
            return SQLiteStateStore(database: database, thread: thread, claimRetention: claimRetention)
        case .failure(let error):
            try? await thread.shutdownGracefully()
            throw error
        }
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS claims (
            id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, etag TEXT NOT NULL, seq TEXT,
            version_id TEXT, last_modified INTEGER, owner TEXT NOT NULL, token TEXT NOT NULL,
            status TEXT NOT NULL, lease_until INTEGER, outcome TEXT, signal_id TEXT,
            claims INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, claimed_at INTEGER NOT NULL,
            completed_at INTEGER, expires_at INTEGER
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS watermarks (
            id TEXT PRIMARY KEY, bucket TEXT NOT NULL, prefix TEXT NOT NULL, watermark INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS leases (
            name TEXT PRIMARY KEY, owner TEXT NOT NULL, token TEXT NOT NULL, expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS models (
            name TEXT PRIMARY KEY, version INTEGER NOT NULL, trained_at INTEGER NOT NULL, payload BLOB NOT NULL,
            saved_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """

    /// `claims_status_lease`, which files written by earlier versions have, served no query (every claim
    /// is read by its id) and cost a write on every claim and completion.
    static let indexes = """
        CREATE INDEX IF NOT EXISTS claims_expiry ON claims (expires_at) WHERE expires_at IS NOT NULL;
        DROP INDEX IF EXISTS claims_status_lease;
        """

    /// Runs `body` with the connection on the store's thread.
    private func withDatabase<T: Sendable>(_ body: @escaping @Sendable (SQLiteDatabase) throws(StateStoreError) -> T) async throws(StateStoreError) -> T {
        calls.withLockedValue { $0 += 1 }
        let result: Result<T, StateStoreError>
        do {
            result = try await thread.runIfActive { [database, displayName] in
                database.withLockedValue { database -> Result<T, StateStoreError> in
                    guard let database else { return .failure(.unavailable(store: displayName, reason: "the store is closed")) }
                    return Result { () throws(StateStoreError) -> T in try body(database) }
                }
            }
        } catch {
            throw .unavailable(store: displayName, reason: "the store is closed")
        }
        return try result.get()
    }

    /// Runs `body` on the store's thread inside the transaction it shares with whatever else waits
    /// (see `SQLiteGroupCommit`); answers once that transaction has committed.
    private func grouped<T: Sendable>(_ body: @escaping @Sendable (SQLiteDatabase) throws(StateStoreError) -> T) async throws(StateStoreError) -> T {
        calls.withLockedValue { $0 += 1 }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, StateStoreError>, Never>) in
            let operation = SQLiteGroupCommit.Operation(
                run: { database, shared in
                    let outcome = shared ? database.savepoint { () throws(StateStoreError) -> T in try body(database) }
                        : Result { () throws(StateStoreError) -> T in try body(database) }
                    let succeeded = if case .success = outcome { true } else { false }
                    return SQLiteGroupCommit.Ran(succeeded: succeeded) { commitError in
                        continuation.resume(returning: commitError.map { .failure($0) } ?? outcome)
                    }
                },
                abandon: { error in continuation.resume(returning: .failure(error)) }
            )
            if group.enqueue(operation) { scheduleDrain() }
        }
        return try result.get()
    }

    /// Groups run back to back before the store's thread takes its other jobs (a few milliseconds).
    static let groupsPerTurn = 8

    /// Starts draining the waiting operations on the store's thread.
    private func scheduleDrain() {
        let closed = StateStoreError.unavailable(store: displayName, reason: "the store is closed")
        thread.submit { [self] state in
            guard case .active = state else { return group.abandonAll(closed) }
            let more = database.withLockedValue { database -> Bool in
                guard let database else {
                    group.abandonAll(closed)
                    return false
                }
                for _ in 1..<Self.groupsPerTurn where !group.runNextGroup(database) { return false }
                return group.runNextGroup(database)
            }
            // At most `groupsPerTurn` groups, then jobs submitted meanwhile (pruning, a watermark,
            // closing) run before the rest.
            if more { scheduleDrain() }
        }
    }

    public func close() async {
        try? await thread.runIfActive { [database] in
            database.withLockedValue { database in
                database?.close()
                database = nil
            }
        }
        try? await thread.shutdownGracefully()
    }

    // MARK: Claims

    static let claimSQL = """
        INSERT INTO claims (id, bucket, key, etag, seq, version_id, last_modified, owner, token, status,
                            lease_until, claims, created_at, claimed_at, expires_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'processing', ?10, 1, ?11, ?11, ?13)
        ON CONFLICT (id) DO UPDATE SET
            etag = excluded.etag, seq = COALESCE(excluded.seq, claims.seq), version_id = excluded.version_id,
            last_modified = excluded.last_modified, owner = excluded.owner, token = excluded.token,
            status = 'processing', lease_until = excluded.lease_until, outcome = NULL, signal_id = NULL,
            completed_at = NULL, claims = claims.claims + 1, claimed_at = excluded.claimed_at,
            expires_at = excluded.expires_at
        WHERE NOT (excluded.seq IS NOT NULL AND claims.seq IS NOT NULL AND claims.seq > excluded.seq)
          AND NOT (?12 IS NOT NULL AND claims.last_modified IS NOT NULL AND ?12 < claims.last_modified)
          AND (claims.etag <> excluded.etag
               OR (excluded.version_id IS NOT NULL AND claims.version_id IS NOT NULL AND excluded.version_id <> claims.version_id)
               OR (excluded.last_modified IS NOT NULL AND claims.last_modified IS NOT NULL AND excluded.last_modified > claims.last_modified)
               OR (claims.status = 'done' AND claims.outcome = 'object_gone')
               OR (claims.status = 'processing' AND COALESCE(claims.lease_until, 0) < excluded.claimed_at))
        """

    public func claim(_ requests: [ClaimRequest], owner: String, lease: Duration) async throws -> [ClaimOutcome] {
        guard !requests.isEmpty else { return [] }
        let token = ClaimTicket.newToken(owner: owner)
        return try await grouped { [claimRetention] database throws(StateStoreError) in
            let now = Date()
            let nowMilliseconds = now.milliseconds
            let leaseUntil = now.addingTimeInterval(lease.seconds).milliseconds
            let expiresAt = claimRetention.map { now.addingTimeInterval($0.seconds).milliseconds }
            var seen: Set<String> = []
            return try requests.map { request throws(StateStoreError) -> ClaimOutcome in
                guard seen.insert(request.objectId).inserted else { return .duplicate }
                // What is held now (the write lock is ours, so it cannot change before the upsert).
                var held: ClaimRules.Held?
                try database.run("SELECT etag, seq, status, lease_until, version_id, last_modified, outcome FROM claims WHERE id = ?1",
                                 [.text(request.objectId)]) { row in
                    held = ClaimRules.Held(
                        eTag: row.text(0) ?? "",
                        orderedSequencer: row.text(1),
                        status: row.text(2).flatMap(StoredClaim.Status.init(rawValue:)) ?? .processing,
                        leaseExpiresAt: row.integer(3).map(Date.init(milliseconds:)),
                        versionId: row.text(4),
                        lastModified: row.integer(5).map(Date.init(milliseconds:)),
                        gone: row.text(6) == ClaimCompletion.Outcome.objectGone.label
                    )
                }
                let decision = ClaimRules.decide(request, held: held, now: now)
                // The id is `bucket/key` and holds both (a bucket name has no `/`): the `bucket` and `key`
                // columns, which earlier versions filled, get empty strings (a third of a claim's size).
                let changed = try database.run(Self.claimSQL, [
                    .text(request.objectId), .text(""), .text(""), .text(request.eTag),
                    .optional(request.orderedSequencer), .optional(request.versionId),
                    .optional(request.lastModified?.milliseconds), .text(owner), .text(token),
                    .integer(leaseUntil), .integer(nowMilliseconds), .optional(request.eventTime?.milliseconds),
                    .optional(expiresAt),
                ])
                let ticket = ClaimTicket(objectId: request.objectId, token: token)
                guard changed > 0 else {
                    if decision == .stale { return .stale }
                    return held?.status == .processing ? .inProgress : .duplicate
                }
                return decision == .takeOver ? .takenOver(ticket) : .claimed(ticket)
            }
        }
    }

    public func complete(_ completions: [ClaimCompletion]) async throws -> [Bool] {
        guard !completions.isEmpty else { return [] }
        return try await grouped { database throws(StateStoreError) in
            let now = Date().milliseconds
            return try completions.map { completion throws(StateStoreError) -> Bool in
                try database.run("""
                    UPDATE claims SET status = 'done', outcome = ?3, signal_id = ?4, completed_at = ?5,
                        lease_until = NULL, last_modified = COALESCE(?6, last_modified),
                        version_id = COALESCE(?7, version_id), etag = COALESCE(?8, etag)
                    WHERE id = ?1 AND token = ?2
                    """, [
                    .text(completion.ticket.objectId), .text(completion.ticket.token),
                    .text(completion.outcome.label), .optional(completion.outcome.signalId), .integer(now),
                    .optional(completion.lastModified?.milliseconds), .optional(completion.versionId),
                    .optional(completion.eTag),
                ]) > 0
            }
        }
    }

    public func release(_ tickets: [ClaimTicket]) async throws {
        _ = try await updateProcessing(tickets, leaseUntil: 0)
    }

    public func renew(_ tickets: [ClaimTicket], lease: Duration) async throws -> [Bool] {
        try await updateProcessing(tickets, leaseUntil: Date().addingTimeInterval(lease.seconds).milliseconds)
    }

    private func updateProcessing(_ tickets: [ClaimTicket], leaseUntil: Int64) async throws(StateStoreError) -> [Bool] {
        guard !tickets.isEmpty else { return [] }
        return try await grouped { database throws(StateStoreError) in
            return try tickets.map { ticket throws(StateStoreError) -> Bool in
                try database.run(
                    "UPDATE claims SET lease_until = ?3 WHERE id = ?1 AND token = ?2 AND status = 'processing'",
                    [.text(ticket.objectId), .text(ticket.token), .integer(leaseUntil)]
                ) > 0
            }
        }
    }

    public func storedClaim(bucket: String, key: String) async throws -> StoredClaim? {
        let id = ClaimRequest.objectId(bucket: bucket, key: key)
        return try await withDatabase { database throws(StateStoreError) in
            var claim: StoredClaim?
            try database.run("""
                SELECT bucket, key, etag, seq, version_id, last_modified, owner, token, status, lease_until,
                       outcome, signal_id, claims
                FROM claims WHERE id = ?1
                """, [.text(id)]) { row in
                claim = StoredClaim(
                    objectId: id, bucket: bucket, key: key, eTag: row.text(2) ?? "",
                    sequencer: row.text(3), versionId: row.text(4), lastModified: row.integer(5).map(Date.init(milliseconds:)),
                    owner: row.text(6) ?? "", token: row.text(7) ?? "",
                    status: row.text(8).flatMap(StoredClaim.Status.init(rawValue:)) ?? .processing,
                    leaseExpiresAt: row.integer(9).map(Date.init(milliseconds:)),
                    outcome: row.text(10), signalId: row.text(11), claims: Int(row.integer(12) ?? 0)
                )
            }
            return claim
        }
    }

    // MARK: Expiry

    public func pruneExpiredClaims(now: Date, limit: Int) async throws -> Int {
        try await withDatabase { database throws(StateStoreError) in
            try database.transaction { () throws(StateStoreError) -> Int in
                try database.run(
                    "DELETE FROM claims WHERE id IN (SELECT id FROM claims WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2)",
                    [.integer(now.milliseconds), .integer(Int64(max(1, limit)))]
                )
            }
        }
    }

    public func ping() async throws {
        try await withDatabase { database throws(StateStoreError) in _ = try database.run("SELECT 1", []) }
    }

    // MARK: Leases

    public func acquireLease(_ name: String, owner: String, ttl: Duration) async throws -> Lease? {
        let lease = Lease(name: name, owner: owner, token: Lease.newToken())
        return try await grouped { database throws(StateStoreError) in
            let now = Date().milliseconds
            // Leases named per window or deadline pile up: those run out an hour ago go first.
            _ = try database.run("DELETE FROM leases WHERE expires_at < ?1", [.integer(now - 3_600_000)])
            var taken = false
            _ = try database.run("""
                INSERT INTO leases (name, owner, token, expires_at) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, token = excluded.token, expires_at = excluded.expires_at
                WHERE leases.expires_at <= ?5
                RETURNING token
                """, [.text(name), .text(owner), .text(lease.token), .integer(now + Int64(ttl.seconds * 1000)), .integer(now)]) { row in
                taken = row.text(0) == lease.token
            }
            return taken ? lease : nil
        }
    }

    public func renewLease(_ lease: Lease, ttl: Duration) async throws -> Bool {
        try await grouped { database throws(StateStoreError) in
            // The token changes when another owner takes a lease over: a matching one is still ours.
            try database.run("UPDATE leases SET expires_at = ?3 WHERE name = ?1 AND token = ?2",
                             [.text(lease.name), .text(lease.token), .integer(Date().milliseconds + Int64(ttl.seconds * 1000))]) > 0
        }
    }

    public func releaseLease(_ lease: Lease) async throws {
        _ = try await grouped { database throws(StateStoreError) in
            try database.run("DELETE FROM leases WHERE name = ?1 AND token = ?2", [.text(lease.name), .text(lease.token)])
        }
    }

    // MARK: Watermarks

    public func watermark(bucket: String, prefix: String) async throws -> Date? {
        let id = BucketWatermark.id(bucket: bucket, prefix: prefix)
        return try await withDatabase { database throws(StateStoreError) in
            var watermark: Date?
            try database.run("SELECT watermark FROM watermarks WHERE id = ?1", [.text(id)]) { row in
                watermark = row.integer(0).map(Date.init(milliseconds:))
            }
            return watermark
        }
    }

    public func advanceWatermark(bucket: String, prefix: String, to date: Date) async throws -> Date {
        let id = BucketWatermark.id(bucket: bucket, prefix: prefix)
        return try await withDatabase { database throws(StateStoreError) in
            var stored = date
            try database.run("""
                INSERT INTO watermarks (id, bucket, prefix, watermark, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT (id) DO UPDATE SET watermark = MAX(watermark, excluded.watermark), updated_at = excluded.updated_at
                RETURNING watermark
                """, [.text(id), .text(bucket), .text(prefix), .integer(date.milliseconds), .integer(Date().milliseconds)]) { row in
                stored = row.integer(0).map(Date.init(milliseconds:)) ?? date
            }
            return stored
        }
    }

    // MARK: Models

    public func saveModel(_ model: StoredModel) async throws -> Bool {
        try await saveModels([model]).first ?? false
    }

    public func saveModels(_ models: [StoredModel]) async throws -> [Bool] {
        guard !models.isEmpty else { return [] }
        return try await withDatabase { database throws(StateStoreError) in
            try database.transaction { () throws(StateStoreError) -> [Bool] in
                let now = Date().milliseconds
                var stored: [Bool] = []
                for model in models {
                    stored.append(try database.run("""
                        INSERT INTO models (name, version, trained_at, payload, saved_at) VALUES (?1, ?2, ?3, ?4, ?5)
                        ON CONFLICT (name) DO UPDATE SET version = excluded.version, trained_at = excluded.trained_at,
                            payload = excluded.payload, saved_at = excluded.saved_at
                        WHERE models.version < excluded.version
                        """, [
                        .text(model.name), .integer(model.version), .integer(model.trainedAt.milliseconds),
                        .blob(model.payload), .integer(now),
                    ]) > 0)
                }
                return stored
            }
        }
    }

    public func pruneModels(prefix: String, savedBefore cutoff: Date) async throws -> Int {
        try await withDatabase { database throws(StateStoreError) in
            try database.run("DELETE FROM models WHERE substr(name, 1, length(?1)) = ?1 AND saved_at < ?2",
                             [.text(prefix), .integer(cutoff.milliseconds)])
        }
    }

    public func loadModels(prefix: String, savedSince: Date?, after: String?, limit: Int) async throws -> [StoredModel] {
        try await withDatabase { database throws(StateStoreError) in
            var models: [StoredModel] = []
            try database.run("""
                SELECT name, version, trained_at, payload FROM models
                WHERE substr(name, 1, length(?1)) = ?1 AND saved_at >= ?2 AND name > ?3 ORDER BY name LIMIT ?4
                """, [.text(prefix), .integer(savedSince?.milliseconds ?? 0), .text(after ?? ""), .integer(Int64(max(1, limit)))]) { row in
                models.append(StoredModel(
                    name: row.text(0) ?? "", version: row.integer(1) ?? 0,
                    trainedAt: row.integer(2).map(Date.init(milliseconds:)) ?? .distantPast, payload: row.blob(3)
                ))
            }
            return models
        }
    }

    public func loadModel(named name: String) async throws -> StoredModel? {
        try await withDatabase { database throws(StateStoreError) in
            var model: StoredModel?
            try database.run("SELECT version, trained_at, payload FROM models WHERE name = ?1", [.text(name)]) { row in
                model = StoredModel(
                    name: name, version: row.integer(0) ?? 0,
                    trainedAt: row.integer(1).map(Date.init(milliseconds:)) ?? .distantPast, payload: row.blob(2)
                )
            }
            return model
        }
    }
}
