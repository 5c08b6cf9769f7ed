import Foundation
import NIOConcurrencyHelpers

/// The state store for fleets: MongoDB through libmongoc.
///
/// Collections (in the URI's database, `edal` by default):
/// - `claims`: one document per object, `_id` = `bucket/key`; the TTL index on `expiresAt`.
/// - `watermarks`: one document per bucket and prefix, `_id` = `bucket/prefix`.
/// - `leases`: one document per named lease, `_id` = its name; a TTL index on `expiresAt`.
/// - `baselines`: one document per source, `_id` = `source/<bucket>/<template>`.
/// - `schema`: one document, `_id` = `edal`, with the layout's version (`MongoSchema`).
///
/// A claim is one unordered `update` command for the whole batch, two statements per object: a
/// conditional upsert that wins new objects and new content, and a take-over of an expired lease
/// on the same content. A duplicate-key error (11000) on the upsert means the document exists and
/// is not ours to claim; only then does a second round trip read why (duplicate, stale, or ours by
/// take-over).
///
/// Leases are written and compared on the **server's clock**: each replica measures how far
/// MongoDB's clock (`hello`'s `localTime`) is from its own, at open and every minute, and dates
/// its leases by it, so a host whose clock runs fast neither takes over live leases nor holds dead
/// ones long.
public final class MongoStateStore: StateStore, BaselinePruning {
    public let displayName: String
    let connection: MongoConnection
    /// This host's clock (a test may skew it).
    private let localClock: @Sendable () -> Date
    /// How long a claim is kept after it was last claimed (`nil`: for ever); the worker's `ClaimRetention`.
    public let claimRetention: Duration?
    private let clockOffset = NIOLockedValueBox<(seconds: TimeInterval, measuredAt: ContinuousClock.Instant?)>((0, nil))

    public var roundTrips: UInt64 { connection.roundTrips }

    static let claims = "claims"
    static let watermarks = "watermarks"
    static let baselines = "baselines"
    static let leases = "leases"
    /// The TTL index on `leases.expiresAt`: leases named per window or deadline go an hour after
    /// they ran out.
    static let leaseExpiryIndex = "leases_expiresAt_ttl"
    static let duplicateKey: Int64 = 11000
    /// The TTL index on `claims.expiresAt`.
    static let expiryIndex = "expiresAt_ttl"

    private init(connection: MongoConnection, claimRetention: Duration?, localClock: @escaping @Sendable () -> Date) {
        self.claimRetention = claimRetention
        self.connection = connection
        self.displayName = connection.displayName
        self.localClock = localClock
    }

    /// `date`, read on this host's clock, as the server's clock reads it (`savedAt` and leases are
    /// the server's).
    func onServerClock(_ date: Date) async -> Date {
        date.addingTimeInterval(await serverNow().timeIntervalSince(localClock()))
    }

    /// The `_id` range of the names that start with `prefix`.
    static func names(startingWith prefix: String) -> BSONDocument {
        ["$gte": .string(prefix), "$lt": .string(prefix + "\u{10FFFF}")]
    }

    /// Now, on the server's clock (re-measured when the last measurement is a minute old; a failed
    /// measurement keeps the previous offset).
    func serverNow() async -> Date {
        let due = clockOffset.withLockedValue { $0.measuredAt.map { ContinuousClock.now - $0 > .seconds(60) } ?? true }
        if due {
            let sent = localClock()
            if let reply = try? await connection.run(["hello": 1], .read), let server = reply["localTime"]?.dateValue {
                let received = localClock()
                let local = sent.addingTimeInterval(received.timeIntervalSince(sent) / 2)
                clockOffset.withLockedValue { $0 = (server.timeIntervalSince(local), ContinuousClock.now) }
            }
        }
        return localClock().addingTimeInterval(clockOffset.withLockedValue { $0.seconds })
    }

    /// Connects to `uri` (`mongodb://…/database`) and creates the indexes if they are missing.
    ///
    /// - Parameters:
    ///   - threads: blocking threads and pooled connections; bounds concurrent store calls.
    ///   - claimRetention: every claim written carries `expiresAt` this far ahead, and the server's
    ///     TTL monitor (index `expiresAt_ttl`) deletes it then; `nil` keeps claims for ever.
    public static func open(uri: String, threads: Int = 8, claimRetention: Duration? = nil)
        async throws(StateStoreError) -> MongoStateStore
    {
        try await open(uri: uri, threads: threads, claimRetention: claimRetention, localClock: { Date() })
    }

    /// `open`, with this host's clock replaced (tests of clock skew).
    static func open(
        uri: String, threads: Int = 8, claimRetention: Duration? = nil,
        localClock: @escaping @Sendable () -> Date
    ) async throws(StateStoreError) -> MongoStateStore {
        let store = MongoStateStore(
            connection: try MongoConnection(uri: uri, threads: threads), claimRetention: claimRetention,
            localClock: localClock)
        do {
            try await MongoSchema.migrate(store)
            try await store.createIndexes()
            _ = await store.serverNow()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// Only the TTL indexes: every claim and lease is read and written by its `_id`.
    private func createIndexes() async throws(StateStoreError) {
        let command: BSONDocument = [
            "createIndexes": .string(Self.claims),
            "indexes": [
                // Documents without expiresAt (written with no retention) never expire.
                ["key": ["expiresAt": 1], "name": .string(Self.expiryIndex), "expireAfterSeconds": .int64(0)]
            ],
        ]
        _ = try await checked(connection.run(command, .write))
        _ = try await checked(
            connection.run(
                [
                    "createIndexes": .string(Self.leases),
                    "indexes": [
                        [
                            "key": ["expiresAt": 1], "name": .string(Self.leaseExpiryIndex),
                            "expireAfterSeconds": .int64(3600),
                        ]
                    ],
                ], .write))
    }

    public func close() async {
        await connection.close()
    }

    /// When a claim written at `now` expires, if claims expire.
    private func expiry(from now: Date) -> Date? {
        claimRetention.map { now.addingTimeInterval($0.seconds) }
    }

    /// Drops the store's whole database: for tests that create a database each.
    func dropDatabase() async throws(StateStoreError) {
        _ = try await checked(connection.run(["dropDatabase": 1], .write))
    }

    public func ping() async throws {
        _ = try await checked(connection.run(["ping": 1], .read))
    }

    // MARK: Leases

    public func acquireLease(_ name: String, owner: String, ttl: Duration) async throws -> Lease? {
        let now = await serverNow()
        let lease = Lease(name: name, owner: owner, token: Lease.newToken())
        // Matches only a lease whose time ran out; a held one makes the upsert insert its `_id`
        // again, which the server refuses with 11000.
        let statement: BSONDocument = [
            "q": ["_id": .string(name), "expiresAt": ["$lte": .date(now)]],
            "u": [
                "$set": [
                    "owner": .string(owner), "token": .string(lease.token),
                    "expiresAt": .date(now.addingTimeInterval(ttl.seconds)),
                ]
            ],
            "upsert": true,
        ]
        let reply = try await checked(
            connection.run(["update": .string(Self.leases), "updates": [.document(statement)]], .write))
        if let writeError = Self.writeErrors(in: reply).first {
            guard writeError.code == Self.duplicateKey else { throw refusal(writeError, "lease") }
            return nil
        }
        return lease
    }

    public func renewLease(_ lease: Lease, ttl: Duration) async throws -> Bool {
        let until = await serverNow().addingTimeInterval(ttl.seconds)
        let reply = try await checked(
            connection.run(
                [
                    "update": .string(Self.leases),
                    "updates": [
                        [
                            "q": ["_id": .string(lease.name), "token": .string(lease.token)],
                            "u": ["$set": ["expiresAt": .date(until)]],
                        ]
                    ],
                ], .write))
        if let writeError = Self.writeErrors(in: reply).first { throw refusal(writeError, "lease") }
        return (reply["n"]?.int64Value ?? 0) > 0
    }

    public func releaseLease(_ lease: Lease) async throws {
        _ = try await checked(
            connection.run(
                [
                    "delete": .string(Self.leases),
                    "deletes": [
                        ["q": ["_id": .string(lease.name), "token": .string(lease.token)], "limit": .int32(1)]
                    ],
                ], .write))
    }

    // MARK: Claims

    public func claim(_ requests: [ClaimRequest], owner: String, lease: Duration) async throws -> [ClaimOutcome] {
        guard !requests.isEmpty else { return [] }
        let now = await serverNow()
        let leaseUntil = now.addingTimeInterval(lease.seconds)
        let token = ClaimTicket.newToken(owner: owner)

        // The first occurrence of each object is sent; repeats in the same batch are duplicates.
        var firstIndex: [String: Int] = [:]
        var sent: [Int] = []
        for (index, request) in requests.enumerated() where firstIndex[request.objectId] == nil {
            firstIndex[request.objectId] = index
            sent.append(index)
        }

        var statements: [BSONValue] = []
        statements.reserveCapacity(sent.count * 2)
        for index in sent {
            let request = requests[index]
            statements.append(
                .document(
                    Self.claimStatement(
                        request, owner: owner, token: token, now: now, leaseUntil: leaseUntil,
                        expiresAt: expiry(from: now))))
            statements.append(
                .document(Self.takeOverStatement(request, owner: owner, token: token, now: now, leaseUntil: leaseUntil))
            )
        }
        let reply = try await checked(
            connection.run(
                [
                    "update": .string(Self.claims), "updates": .array(statements), "ordered": false,
                ], .write))

        var refused: Set<Int> = []
        for writeError in Self.writeErrors(in: reply) {
            guard writeError.code == Self.duplicateKey, writeError.index % 2 == 0 else {
                throw refusal(writeError, "claim")
            }
            refused.insert(sent[writeError.index / 2])
        }

        // Repeats of an object within the call are duplicates of its first occurrence.
        var outcomes = [ClaimOutcome](repeating: .duplicate, count: requests.count)
        for index in sent where !refused.contains(index) {
            outcomes[index] = .claimed(ClaimTicket(objectId: requests[index].objectId, token: token))
        }
        guard !refused.isEmpty else { return outcomes }

        // Why was it refused? One read for all of them.
        let held = try await find(Self.claims, ids: refused.map { requests[$0].objectId })
        for index in refused {
            let request = requests[index]
            guard let document = held[request.objectId] else {
                // Refused, yet gone when asked why (removed in between): not known to be done, so try again.
                outcomes[index] = .inProgress
                continue
            }
            if document["token"]?.stringValue == token {
                outcomes[index] = .takenOver(ClaimTicket(objectId: request.objectId, token: token))
                continue
            }
            // Named by the same rules that refused it.
            let held = ClaimRules.Held(
                eTag: document["etag"]?.stringValue ?? "", orderedSequencer: document["seq"]?.stringValue,
                status: document["status"]?.stringValue.flatMap(StoredClaim.Status.init(rawValue:)) ?? .processing,
                leaseExpiresAt: document["leaseUntil"]?.dateValue, versionId: document["versionId"]?.stringValue,
                lastModified: document["lastModified"]?.dateValue,
                gone: document["outcome"]?.stringValue == ClaimCompletion.Outcome.objectGone.label)
            switch ClaimRules.decide(request, held: held, now: now) {
            case .stale: outcomes[index] = .stale
            case .duplicate where held.status == .done: outcomes[index] = .duplicate
            default:
                // Held by another worker (its lease live, or lapsed but changed again before we
                // could take it over): not known to be done, so try again — never "duplicate",
                // which would delete the message with the work undone.
                outcomes[index] = .inProgress
            }
        }
        return outcomes
    }

    /// Wins the object when it is absent (upsert) or holds other content, unless the event is
    /// stale: `ClaimRules.winsAsNewContent`, as a filter.
    static func claimStatement(
        _ request: ClaimRequest, owner: String, token: String, now: Date, leaseUntil: Date,
        expiresAt: Date? = nil
    ) -> BSONDocument {
        var filter = MongoClaimFilter.filter(ClaimRules.winsAsNewContent(request))
        filter["_id"] = .string(request.objectId)
        var set: BSONDocument = [
            "etag": .string(request.eTag), "owner": .string(owner), "token": .string(token),
            "status": .string(StoredClaim.Status.processing.rawValue), "leaseUntil": .date(leaseUntil),
            "claimedAt": .date(now),
        ]
        if let sequencer = request.orderedSequencer { set["seq"] = .string(sequencer) }
        if let expiresAt { set["expiresAt"] = .date(expiresAt) }
        set["versionId"] = request.versionId.map(BSONValue.string) ?? .null
        set["lastModified"] = request.lastModified.map(BSONValue.date) ?? .null
        let update: BSONDocument = [
            "$set": .document(set),
            "$unset": ["outcome": "", "signalId": "", "completedAt": ""],
            "$inc": ["claims": .int64(1)],
            "$setOnInsert": ["bucket": .string(request.bucket), "key": .string(request.key), "createdAt": .date(now)],
        ]
        return ["q": .document(filter), "u": .document(update), "upsert": true]
    }

    /// Takes over the same content still `processing` under an expired lease (never inserts):
    /// `ClaimRules.winsByTakeOver`, as a filter.
    static func takeOverStatement(_ request: ClaimRequest, owner: String, token: String, now: Date, leaseUntil: Date)
        -> BSONDocument
    {
        var filter = MongoClaimFilter.filter(ClaimRules.winsByTakeOver(request, now: now))
        filter["_id"] = .string(request.objectId)
        let update: BSONDocument = [
            "$set": [
                "owner": .string(owner), "token": .string(token), "leaseUntil": .date(leaseUntil),
                "claimedAt": .date(now),
            ],
            "$inc": ["claims": .int64(1)],
        ]
        return ["q": .document(filter), "u": .document(update)]
    }

    public func complete(_ completions: [ClaimCompletion]) async throws -> [Bool] {
        guard !completions.isEmpty else { return [] }
        let now = await serverNow()
        let statements: [BSONValue] = completions.map { .document(Self.completeStatement($0, now: now)) }
        return try await updateHeld(completions.map(\.ticket), statements: statements, requireProcessing: false)
    }

    /// Marks the claim done with its outcome, if the ticket still holds it.
    static func completeStatement(_ completion: ClaimCompletion, now: Date) -> BSONDocument {
        var set: BSONDocument = [
            "status": .string(StoredClaim.Status.done.rawValue),
            "outcome": .string(completion.outcome.label),
            "signalId": completion.outcome.signalId.map(BSONValue.string) ?? .null,
            "completedAt": .date(now),
        ]
        if let lastModified = completion.lastModified { set["lastModified"] = .date(lastModified) }
        if let versionId = completion.versionId { set["versionId"] = .string(versionId) }
        if let eTag = completion.eTag { set["etag"] = .string(eTag) }
        return [
            "q": ["_id": .string(completion.ticket.objectId), "token": .string(completion.ticket.token)],
            "u": ["$set": .document(set), "$unset": ["leaseUntil": ""]],
        ]
    }

    /// The document this store keeps for an object once it is claimed and its work completed with
    /// `outcome`: the claim's upsert and the completion's update applied to nothing, as the server
    /// applies them. Its `encoded()` size is the BSON a claim costs in MongoDB before indexes
    /// (`edal-bench store` prints it).
    public static func storedDocument(
        for request: ClaimRequest, outcome: ClaimCompletion.Outcome, owner: String,
        now: Date, lease: Duration, retention: Duration?
    ) -> BSONDocument {
        let token = UUID().uuidString
        let claim = claimStatement(
            request, owner: owner, token: token, now: now, leaseUntil: now.addingTimeInterval(lease.seconds),
            expiresAt: retention.map { now.addingTimeInterval($0.seconds) })
        let completion = completeStatement(
            ClaimCompletion(
                ticket: ClaimTicket(objectId: request.objectId, token: token), outcome: outcome,
                lastModified: request.lastModified), now: now)
        var document: BSONDocument = ["_id": .string(request.objectId)]
        for update in [claim["u"], completion["u"]] {
            guard case .document(let update)? = update else { continue }
            for operation in ["$setOnInsert", "$set", "$inc"] {
                guard case .document(let fields)? = update[operation] else { continue }
                for (name, value) in zip(fields.keys, fields.values) { document[name] = value }
            }
            if case .document(let removed)? = update["$unset"] {
                for name in removed.keys { document[name] = nil }
            }
        }
        return document
    }

    public func release(_ tickets: [ClaimTicket]) async throws {
        guard !tickets.isEmpty else { return }
        let statements: [BSONValue] = tickets.map { ticket in
            .document([
                "q": Self.processingFilter(ticket),
                "u": ["$set": ["leaseUntil": .date(Date(timeIntervalSince1970: 0))]],
            ])
        }
        _ = try await checkedWrite(statements)
    }

    public func renew(_ tickets: [ClaimTicket], lease: Duration) async throws -> [Bool] {
        guard !tickets.isEmpty else { return [] }
        let leaseUntil = await serverNow().addingTimeInterval(lease.seconds)
        let statements: [BSONValue] = tickets.map { ticket in
            .document(["q": Self.processingFilter(ticket), "u": ["$set": ["leaseUntil": .date(leaseUntil)]]])
        }
        return try await updateHeld(tickets, statements: statements, requireProcessing: true)
    }

    private static func processingFilter(_ ticket: ClaimTicket) -> BSONValue {
        [
            "_id": .string(ticket.objectId), "token": .string(ticket.token),
            "status": .string(StoredClaim.Status.processing.rawValue),
        ]
    }

    /// Runs one statement per ticket; when fewer matched than were sent, reads which are still ours.
    private func updateHeld(_ tickets: [ClaimTicket], statements: [BSONValue], requireProcessing: Bool) async throws
        -> [Bool]
    {
        let matched = try await checkedWrite(statements)
        guard matched < Int64(tickets.count) else { return Array(repeating: true, count: tickets.count) }
        let held = try await find(Self.claims, ids: tickets.map(\.objectId))
        return tickets.map { ticket in
            guard let document = held[ticket.objectId], document["token"]?.stringValue == ticket.token else {
                return false
            }
            return !requireProcessing || document["status"]?.stringValue == StoredClaim.Status.processing.rawValue
        }
    }

    /// Sends `statements` as one unordered update of `claims`; returns how many documents matched.
    private func checkedWrite(_ statements: [BSONValue]) async throws(StateStoreError) -> Int64 {
        let reply = try await checked(
            connection.run(
                [
                    "update": .string(Self.claims), "updates": .array(statements), "ordered": false,
                ], .write))
        if let writeError = Self.writeErrors(in: reply).first {
            throw refusal(writeError, "update")
        }
        return reply["n"]?.int64Value ?? 0
    }

    public func storedClaim(bucket: String, key: String) async throws -> StoredClaim? {
        let id = ClaimRequest.objectId(bucket: bucket, key: key)
        guard let document = try await find(Self.claims, ids: [id])[id] else { return nil }
        return StoredClaim(
            objectId: id,
            bucket: document["bucket"]?.stringValue ?? bucket,
            key: document["key"]?.stringValue ?? key,
            eTag: document["etag"]?.stringValue ?? "",
            sequencer: document["seq"]?.stringValue,
            versionId: document["versionId"]?.stringValue,
            lastModified: document["lastModified"]?.dateValue,
            owner: document["owner"]?.stringValue ?? "",
            token: document["token"]?.stringValue ?? "",
            status: document["status"]?.stringValue.flatMap(StoredClaim.Status.init(rawValue:)) ?? .processing,
            leaseExpiresAt: document["leaseUntil"]?.dateValue,
            outcome: document["outcome"]?.stringValue,
            signalId: document["signalId"]?.stringValue,
            claims: Int(document["claims"]?.int64Value ?? 0)
        )
    }

    // MARK: Watermarks

    public func watermark(bucket: String, prefix: String) async throws -> Date? {
        let id = BucketWatermark.id(bucket: bucket, prefix: prefix)
        return try await find(Self.watermarks, ids: [id])[id]?["watermark"]?.dateValue
    }

    public func advanceWatermark(bucket: String, prefix: String, to date: Date) async throws -> Date {
        let id = BucketWatermark.id(bucket: bucket, prefix: prefix)
        let statement: BSONDocument = [
            "q": ["_id": .string(id)],
            "u": [
                "$max": ["watermark": .date(date)],
                "$set": ["updatedAt": .date(await serverNow())],
                "$setOnInsert": ["bucket": .string(bucket), "prefix": .string(prefix)],
            ],
            "upsert": true,
        ]
        let command: BSONDocument = ["update": .string(Self.watermarks), "updates": [.document(statement)]]
        // Two sweeps inserting the first watermark at once: one upsert loses with 11000; the
        // document exists now, so the same `$max` update succeeds when sent again.
        for attempt in 1...3 {
            let reply = try await checked(connection.run(command, .write))
            guard let writeError = Self.writeErrors(in: reply).first else { break }
            if writeError.code != Self.duplicateKey || attempt == 3 {
                throw refusal(writeError, "watermark")
            }
        }
        return try await watermark(bucket: bucket, prefix: prefix) ?? date
    }

    // MARK: Baselines

    public func saveBaseline(_ baseline: StoredBaseline) async throws -> Bool {
        try await saveBaselines([baseline]).first ?? false
    }

    public func saveBaselines(_ baselines: [StoredBaseline]) async throws -> [Bool] {
        guard !baselines.isEmpty else { return [] }
        let now = await serverNow()
        let statements: [BSONValue] = baselines.map { baseline in
            .document([
                "q": ["_id": .string(baseline.name), "version": ["$lt": .int64(baseline.version)]],
                "u": [
                    "$set": [
                        "version": .int64(baseline.version), "writtenAt": .date(baseline.writtenAt),
                        "payload": .binary(baseline.payload), "savedAt": .date(now),
                    ]
                ],
                "upsert": true,
            ])
        }
        let reply = try await checked(
            connection.run(
                [
                    "update": .string(Self.baselines), "updates": .array(statements), "ordered": false,
                ], .write))
        var stored = [Bool](repeating: true, count: baselines.count)
        for writeError in Self.writeErrors(in: reply) where stored.indices.contains(writeError.index) {
            // 11000: a baseline with this name and a newer or equal version is stored.
            guard writeError.code == Self.duplicateKey else {
                throw refusal(writeError, "baseline")
            }
            stored[writeError.index] = false
        }
        return stored
    }

    public func pruneBaselines(prefix: String, savedBefore cutoff: Date) async throws -> Int {
        let serverCutoff = await onServerClock(cutoff)
        let reply = try await checked(
            connection.run(
                [
                    "delete": .string(Self.baselines),
                    "deletes": [
                        [
                            "q": [
                                "_id": .document(Self.names(startingWith: prefix)),
                                "savedAt": ["$lt": .date(serverCutoff)],
                            ],
                            "limit": .int32(0),
                        ]
                    ],
                ], .write))
        return Int(reply["n"]?.int64Value ?? 0)
    }

    public func loadBaselines(prefix: String, savedSince: Date?, after: String?, limit: Int) async throws
        -> [StoredBaseline]
    {
        var range = Self.names(startingWith: prefix)
        if let after, after >= prefix { range = ["$gt": .string(after), "$lt": .string(prefix + "\u{10FFFF}")] }
        var filter: BSONDocument = ["_id": .document(range)]
        if let savedSince {
            let serverSince = await onServerClock(savedSince)
            filter["savedAt"] = ["$gte": .date(serverSince)]
        }
        let reply = try await checked(
            connection.run(
                [
                    "find": .string(Self.baselines), "filter": .document(filter), "sort": ["_id": .int32(1)],
                    "limit": .int64(Int64(max(1, limit))), "batchSize": .int32(Int32(clamping: max(1, limit))),
                    "singleBatch": true,
                ], .read))
        var baselines: [StoredBaseline] = []
        for case .document(let document) in reply["cursor"]?.documentValue?["firstBatch"]?.arrayValue ?? [] {
            guard let name = document["_id"]?.stringValue, let version = document["version"]?.int64Value,
                let payload = document["payload"]?.binaryValue
            else { continue }
            baselines.append(
                StoredBaseline(
                    name: name, version: version, writtenAt: document["writtenAt"]?.dateValue ?? .distantPast,
                    payload: payload))
        }
        return baselines
    }

    public func loadBaseline(named name: String) async throws -> StoredBaseline? {
        guard let document = try await find(Self.baselines, ids: [name])[name],
            let version = document["version"]?.int64Value,
            let payload = document["payload"]?.binaryValue
        else { return nil }
        return StoredBaseline(
            name: name, version: version, writtenAt: document["writtenAt"]?.dateValue ?? .distantPast, payload: payload)
    }

    // MARK: Commands

    /// The documents of `collection` with these `_id`s, by `_id`, in one round trip.
    private func find(_ collection: String, ids: [String]) async throws(StateStoreError) -> [String: BSONDocument] {
        let filter: BSONDocument =
            ids.count == 1
            ? ["_id": .string(ids[0])]
            : ["_id": ["$in": .array(ids.map(BSONValue.string))]]
        let reply = try await checked(
            connection.run(
                [
                    "find": .string(collection), "filter": .document(filter),
                    "batchSize": .int32(Int32(clamping: ids.count + 1)), "singleBatch": true,
                ], .read))
        var found: [String: BSONDocument] = [:]
        for case .document(let document) in reply["cursor"]?.documentValue?["firstBatch"]?.arrayValue ?? [] {
            if let id = document["_id"]?.stringValue { found[id] = document }
        }
        return found
    }

    /// `reply` when the server said `ok: 1`; a typed error otherwise.
    func checked(_ reply: BSONDocument) throws(StateStoreError) -> BSONDocument {
        guard reply["ok"]?.doubleValue == 1 else {
            let message = reply["errmsg"]?.stringValue ?? "the server answered ok: 0"
            throw .failed(store: displayName, reason: message)
        }
        if let concernError = reply["writeConcernError"]?.documentValue {
            throw .unavailable(
                store: displayName, reason: "write concern not satisfied: \(concernError["errmsg"]?.stringValue ?? "")")
        }
        return reply
    }

    /// A write error as EDAL's error: transient when the statement was interrupted by an election
    /// or a shutdown (a replica set's step-down answers those for the rest of a batch), so the
    /// work is retried; a refusal a person must look at otherwise.
    private func refusal(_ writeError: WriteError, _ what: String) -> StateStoreError {
        let reason = "\(what) refused: server error \(writeError.code): \(writeError.message)"
        if let code = UInt32(exactly: writeError.code), MongoConnection.transientServerCodes.contains(code) {
            return .unavailable(store: displayName, reason: reason)
        }
        return .failed(store: displayName, reason: reason)
    }

    struct WriteError {
        var index: Int
        var code: Int64
        var message: String
    }

    static func writeErrors(in reply: BSONDocument) -> [WriteError] {
        guard let errors = reply["writeErrors"]?.arrayValue else { return [] }
        return errors.compactMap { value in
            guard let error = value.documentValue, let index = error["index"]?.int64Value else { return nil }
            return WriteError(
                index: Int(index), code: error["code"]?.int64Value ?? 0, message: error["errmsg"]?.stringValue ?? "")
        }
    }
}
