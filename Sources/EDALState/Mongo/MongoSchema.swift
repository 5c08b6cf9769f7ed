/// The layout of EDAL's MongoDB database, numbered in the `schema` collection's one document
/// (`{_id: "edal", version: N}`), and the steps that bring an older database up to it.
///
/// Replicas of a rolling upgrade may open the database at once, so every step can run twice or
/// concurrently and end the same. A database of a later version than this EDAL knows is refused.
///
/// While older replicas still run beside upgraded ones, their baseline writes go to the collection
/// the upgrade renamed (`models`) and are not read by the upgraded ones; claims, watermarks and
/// leases are where both look. Baselines are learnt again from deliveries, so the cost is some
/// learning, never a duplicate or lost signal.
enum MongoSchema {
    /// 1: baselines in `baselines` with `writtenAt`; leases in `leases`; no documents of the
    /// made-up buckets (`edal~…`) that once stood in for leases and readiness; claims without the
    /// `status_1_leaseUntil_1` index no statement used.
    static let current: Int64 = 1
    static let collection = "schema"
    static let documentId = "edal"

    static func migrate(_ store: MongoStateStore) async throws(StateStoreError) {
        let version = try await storedVersion(store)
        guard version < current else {
            if version == current { return }
            throw .failed(
                store: store.displayName,
                reason: "the database was written by a later EDAL (schema version \(version); "
                    + "this one knows up to \(current)): run that EDAL or give this one another database")
        }
        if version < 1 { try await unversionedToOne(store) }
        // `$max`: a replica that migrated further meanwhile keeps its number.
        _ = try await store.checked(
            store.connection.run(
                [
                    "update": .string(collection),
                    "updates": [
                        [
                            "q": ["_id": .string(documentId)], "u": ["$max": ["version": .int64(current)]],
                            "upsert": true,
                        ]
                    ],
                ], .write))
    }

    static func storedVersion(_ store: MongoStateStore) async throws(StateStoreError) -> Int64 {
        let reply = try await store.checked(
            store.connection.run(
                [
                    "find": .string(collection), "filter": ["_id": .string(documentId)], "limit": 1,
                    "singleBatch": true,
                ], .read))
        guard case .document(let document)? = reply["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.first else {
            return 0
        }
        return document["version"]?.int64Value ?? 0
    }

    /// Databases written before the layout carried a version (or new ones: every step then finds
    /// nothing to do).
    private static func unversionedToOne(_ store: MongoStateStore) async throws(StateStoreError) {
        let connection = store.connection
        // Baselines were kept in `models`, with the time they were "trained".
        if try await collections(store).contains("models") {
            do {
                _ = try await store.checked(
                    connection.run(
                        [
                            "renameCollection": .string("\(connection.database).models"),
                            "to": .string("\(connection.database).\(MongoStateStore.baselines)"),
                        ], .write, database: "admin"))
            } catch {
                // Another replica renamed it first (or both collections exist, as after an older
                // replica wrote again): go on while `baselines` is there.
                guard try await collections(store).contains(MongoStateStore.baselines) else { throw error }
            }
        }
        _ = try await store.checked(
            connection.run(
                [
                    "update": .string(MongoStateStore.baselines),
                    "updates": [
                        [
                            "q": ["trainedAt": ["$exists": true]], "u": ["$rename": ["trainedAt": "writtenAt"]],
                            "multi": true,
                        ]
                    ],
                ], .write))
        // The sweep's and the silence check's locks and the readiness probe, once written as claims
        // and watermarks of made-up buckets, are leases now (and readiness a ping).
        for name in [MongoStateStore.claims, MongoStateStore.watermarks] {
            _ = try await store.checked(
                connection.run(
                    [
                        "delete": .string(name),
                        "deletes": [
                            ["q": ["_id": .document(MongoStateStore.names(startingWith: "edal~"))], "limit": .int32(0)]
                        ],
                    ], .write))
        }
        if try await indexes(store, of: MongoStateStore.claims).contains("status_1_leaseUntil_1") {
            do {
                _ = try await store.checked(
                    connection.run(
                        [
                            "dropIndexes": .string(MongoStateStore.claims), "index": "status_1_leaseUntil_1",
                        ], .write))
            } catch {
                guard try await !indexes(store, of: MongoStateStore.claims).contains("status_1_leaseUntil_1") else {
                    throw error
                }
            }
        }
    }

    static func collections(_ store: MongoStateStore) async throws(StateStoreError) -> Set<String> {
        let reply = try await store.checked(store.connection.run(["listCollections": 1, "nameOnly": true], .read))
        return names(in: reply)
    }

    static func indexes(_ store: MongoStateStore, of collection: String) async throws(StateStoreError) -> Set<String> {
        guard try await collections(store).contains(collection) else { return [] }
        let reply = try await store.checked(store.connection.run(["listIndexes": .string(collection)], .read))
        return names(in: reply)
    }

    /// The `name`s of a cursor's first batch (listCollections and listIndexes answer in one here).
    private static func names(in reply: BSONDocument) -> Set<String> {
        var names: Set<String> = []
        for case .document(let document) in reply["cursor"]?.documentValue?["firstBatch"]?.arrayValue ?? [] {
            if let name = document["name"]?.stringValue { names.insert(name) }
        }
        return names
    }
}
