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
/// Tables: `claims` (index `claims_expiry` on `expires_at`), `watermarks`, `leases`, `baselines`;
/// versioned and migrated by `SQLiteSchema`.
public final class SQLiteStateStore: StateStore, ClaimPruning, BaselinePruning {
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

    /// Opens (creating if needed) the store at `path`, migrating a file an older EDAL wrote.
    ///
    /// - Parameter claimRetention: every claim written expires this far ahead and `pruneExpiredClaims`
    ///   deletes it then; `nil` keeps claims for ever.
    public static func open(
        path: String, busyTimeout: Duration = .seconds(5),
        claimRetention: Duration? = nil
    ) async throws(StateStoreError) -> SQLiteStateStore {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        let milliseconds = Int32(clamping: Int64(busyTimeout.seconds * 1000))
        let opened: Result<SQLiteDatabase, StateStoreError>
        do {
            opened = try await thread.runIfActive {
                Result { () throws(StateStoreError) -> SQLiteDatabase in
                    let database = try SQLiteDatabase(path: path, busyTimeoutMilliseconds: milliseconds)
                    try SQLiteSchema.migrate(database)
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

    /// Runs `body` with the connection on the store's thread.
    private func withDatabase<T: Sendable>(_ body: @escaping @Sendable (SQLiteDatabase) throws(StateStoreError) -> T)
        async throws(StateStoreError) -> T
    {
        calls.withLockedValue { $0 += 1 }
        let result: Result<T, StateStoreError>
        do {
            result = try await thread.runIfActive { [database, displayName] in
                database.withLockedValue { database -> Result<T, StateStoreError> in
                    guard let database else {
                        return .failure(.unavailable(store: displayName, reason: "the store is closed"))
                    }
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
    private func grouped<T: Sendable>(_ body: @escaping @Sendable (SQLiteDatabase) throws(StateStoreError) -> T)
        async throws(StateStoreError) -> T
    {
        calls.withLockedValue { $0 += 1 }
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<T, StateStoreError>, Never>) in
            let operation = SQLiteGroupCommit.Operation(
                run: { database, shared in
                    let outcome =
                        shared
                        ? database.savepoint { () throws(StateStoreError) -> T in try body(database) }
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

    /// Writes a claim `ClaimRules` granted: the decision was taken under the write lock, so the
    /// row is written as decided (the rules are not re-reasoned in SQL).
    static let claimSQL = """
        INSERT INTO claims (id, etag, seq, version_id, last_modified, owner, token, status,
                            lease_until, claims, created_at, claimed_at, expires_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'processing', ?8, 1, ?9, ?9, ?10)
        ON CONFLICT (id) DO UPDATE SET
            etag = excluded.etag, seq = COALESCE(excluded.seq, claims.seq), version_id = excluded.version_id,
            last_modified = excluded.last_modified, owner = excluded.owner, token = excluded.token,
            status = 'processing', lease_until = excluded.lease_until, outcome = NULL, signal_id = NULL,
            completed_at = NULL, claims = claims.claims + 1, claimed_at = excluded.claimed_at,
            expires_at = excluded.expires_at
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
                try database.run(
                    "SELECT etag, seq, status, lease_until, version_id, last_modified, outcome FROM claims WHERE id = ?1",
                    [.text(request.objectId)]
                ) { row in
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
                switch decision {
                case .stale: return .stale
                case .duplicate: return held?.status == .processing ? .inProgress : .duplicate
                case .insert, .newContent, .takeOver:
                    try database.run(
                        Self.claimSQL,
                        [
                            .text(request.objectId), .text(request.eTag),
                            .optional(request.orderedSequencer), .optional(request.versionId),
                            .optional(request.lastModified?.milliseconds), .text(owner), .text(token),
                            .integer(leaseUntil), .integer(nowMilliseconds), .optional(expiresAt),
                        ])
                    let ticket = ClaimTicket(objectId: request.objectId, token: token)
                    return decision == .takeOver ? .takenOver(ticket) : .claimed(ticket)
                }
            }
        }
    }

    public func complete(_ completions: [ClaimCompletion]) async throws -> [Bool] {
        guard !completions.isEmpty else { return [] }
        return try await grouped { database throws(StateStoreError) in
            let now = Date().milliseconds
            return try completions.map { completion throws(StateStoreError) -> Bool in
                try database.run(
                    """
                    UPDATE claims SET status = 'done', outcome = ?3, signal_id = ?4, completed_at = ?5,
                        lease_until = NULL, last_modified = COALESCE(?6, last_modified),
                        version_id = COALESCE(?7, version_id), etag = COALESCE(?8, etag)
                    WHERE id = ?1 AND token = ?2
                    """,
                    [
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
            try database.run(
                """
                SELECT etag, seq, version_id, last_modified, owner, token, status, lease_until,
                       outcome, signal_id, claims
                FROM claims WHERE id = ?1
                """, [.text(id)]
            ) { row in
                claim = StoredClaim(
                    objectId: id, bucket: bucket, key: key, eTag: row.text(0) ?? "",
                    sequencer: row.text(1), versionId: row.text(2),
                    lastModified: row.integer(3).map(Date.init(milliseconds:)),
                    owner: row.text(4) ?? "", token: row.text(5) ?? "",
                    status: row.text(6).flatMap(StoredClaim.Status.init(rawValue:)) ?? .processing,
                    leaseExpiresAt: row.integer(7).map(Date.init(milliseconds:)),
                    outcome: row.text(8), signalId: row.text(9), claims: Int(row.integer(10) ?? 0)
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
            _ = try database.run(
                """
                INSERT INTO leases (name, owner, token, expires_at) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, token = excluded.token, expires_at = excluded.expires_at
                WHERE leases.expires_at <= ?5
                RETURNING token
                """,
                [
                    .text(name), .text(owner), .text(lease.token), .integer(now + Int64(ttl.seconds * 1000)),
                    .integer(now),
                ]
            ) { row in
                taken = row.text(0) == lease.token
            }
            return taken ? lease : nil
        }
    }

    public func renewLease(_ lease: Lease, ttl: Duration) async throws -> Bool {
        try await grouped { database throws(StateStoreError) in
            // The token changes when another owner takes a lease over: a matching one is still ours.
            try database.run(
                "UPDATE leases SET expires_at = ?3 WHERE name = ?1 AND token = ?2",
                [.text(lease.name), .text(lease.token), .integer(Date().milliseconds + Int64(ttl.seconds * 1000))]) > 0
        }
    }

    public func releaseLease(_ lease: Lease) async throws {
        _ = try await grouped { database throws(StateStoreError) in
            try database.run(
                "DELETE FROM leases WHERE name = ?1 AND token = ?2", [.text(lease.name), .text(lease.token)])
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
            try database.run(
                """
                INSERT INTO watermarks (id, bucket, prefix, watermark, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT (id) DO UPDATE SET watermark = MAX(watermark, excluded.watermark), updated_at = excluded.updated_at
                RETURNING watermark
                """,
                [.text(id), .text(bucket), .text(prefix), .integer(date.milliseconds), .integer(Date().milliseconds)]
            ) { row in
                stored = row.integer(0).map(Date.init(milliseconds:)) ?? date
            }
            return stored
        }
    }

    // MARK: Baselines

    public func saveBaseline(_ baseline: StoredBaseline) async throws -> Bool {
        try await saveBaselines([baseline]).first ?? false
    }

    public func saveBaselines(_ baselines: [StoredBaseline]) async throws -> [Bool] {
        guard !baselines.isEmpty else { return [] }
        return try await withDatabase { database throws(StateStoreError) in
            try database.transaction { () throws(StateStoreError) -> [Bool] in
                let now = Date().milliseconds
                var stored: [Bool] = []
                for baseline in baselines {
                    stored.append(
                        try database.run(
                            """
                            INSERT INTO baselines (name, version, written_at, payload, saved_at) VALUES (?1, ?2, ?3, ?4, ?5)
                            ON CONFLICT (name) DO UPDATE SET version = excluded.version, written_at = excluded.written_at,
                                payload = excluded.payload, saved_at = excluded.saved_at
                            WHERE baselines.version < excluded.version
                            """,
                            [
                                .text(baseline.name), .integer(baseline.version),
                                .integer(baseline.writtenAt.milliseconds),
                                .blob(baseline.payload), .integer(now),
                            ]) > 0)
                }
                return stored
            }
        }
    }

    public func pruneBaselines(prefix: String, savedBefore cutoff: Date) async throws -> Int {
        try await withDatabase { database throws(StateStoreError) in
            try database.run(
                "DELETE FROM baselines WHERE substr(name, 1, length(?1)) = ?1 AND saved_at < ?2",
                [.text(prefix), .integer(cutoff.milliseconds)])
        }
    }

    public func loadBaselines(prefix: String, savedSince: Date?, after: String?, limit: Int) async throws
        -> [StoredBaseline]
    {
        try await withDatabase { database throws(StateStoreError) in
            var baselines: [StoredBaseline] = []
            try database.run(
                """
                SELECT name, version, written_at, payload FROM baselines
                WHERE substr(name, 1, length(?1)) = ?1 AND saved_at >= ?2 AND name > ?3 ORDER BY name LIMIT ?4
                """,
                [
                    .text(prefix), .integer(savedSince?.milliseconds ?? 0), .text(after ?? ""),
                    .integer(Int64(max(1, limit))),
                ]
            ) { row in
                baselines.append(
                    StoredBaseline(
                        name: row.text(0) ?? "", version: row.integer(1) ?? 0,
                        writtenAt: row.integer(2).map(Date.init(milliseconds:)) ?? .distantPast, payload: row.blob(3)
                    ))
            }
            return baselines
        }
    }

    public func loadBaseline(named name: String) async throws -> StoredBaseline? {
        try await withDatabase { database throws(StateStoreError) in
            var baseline: StoredBaseline?
            try database.run("SELECT version, written_at, payload FROM baselines WHERE name = ?1", [.text(name)]) {
                row in
                baseline = StoredBaseline(
                    name: name, version: row.integer(0) ?? 0,
                    writtenAt: row.integer(1).map(Date.init(milliseconds:)) ?? .distantPast, payload: row.blob(2)
                )
            }
            return baseline
        }
    }
}
