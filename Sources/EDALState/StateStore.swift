import Foundation

/// Where EDAL keeps what must survive a crash and be shared by replicas: object claims, leases,
/// bucket watermarks and the sources' baselines.
///
/// Every call is one round trip to the store for the whole batch given to it. Implementations:
/// `MongoStateStore` (fleets) and `SQLiteStateStore` (one host); `StateStoreFactory` picks one by URI.
public protocol StateStore: LeaseStore {
    /// A short name for logs, e.g. `mongodb://db1:27017/edal`, without credentials.
    var displayName: String { get }

    /// Round trips made to the store since it was opened: commands sent to MongoDB, calls into SQLite.
    var roundTrips: UInt64 { get }

    /// Claims every object of `requests` for `owner`, each for `lease`; answers per object, in order.
    ///
    /// Exactly one of several concurrent claimers of the same content wins. The same object twice
    /// in one call is answered `duplicate` the second time.
    func claim(_ requests: [ClaimRequest], owner: String, lease: Duration) async throws -> [ClaimOutcome]

    /// Records how the work on each claim ended; answers, per completion, whether the claim was still
    /// ours (`false`: its lease ran out and another worker took it over).
    func complete(_ completions: [ClaimCompletion]) async throws -> [Bool]

    /// Gives claims back after a failure so the objects can be claimed again at once.
    func release(_ tickets: [ClaimTicket]) async throws

    /// Extends the leases of claims still in work; answers per ticket whether it was still ours.
    func renew(_ tickets: [ClaimTicket], lease: Duration) async throws -> [Bool]

    /// The claim the store holds for `bucket`/`key`, if any.
    func storedClaim(bucket: String, key: String) async throws -> StoredClaim?

    /// The sweep watermark of `bucket`/`prefix`, if one was ever recorded.
    func watermark(bucket: String, prefix: String) async throws -> Date?

    /// Moves the watermark to `date` unless it is already later; returns the watermark now stored.
    func advanceWatermark(bucket: String, prefix: String, to date: Date) async throws -> Date

    /// Stores `model` unless a model of that name with a newer or equal version is stored;
    /// returns `true` when it was stored.
    @discardableResult
    func saveModel(_ model: StoredModel) async throws -> Bool

    /// The stored model called `name`, if any.
    func loadModel(named name: String) async throws -> StoredModel?

    /// `saveModel` for several models in one round trip; answers per model whether it was stored.
    /// With versions increased by one from what was read, this is a compare-and-set: of two
    /// writers that read the same version, one wins.
    func saveModels(_ models: [StoredModel]) async throws -> [Bool]

    /// The stored models whose names start with `prefix`, saved at or after `savedSince` (all when
    /// `nil`), at most `limit` per call, in name order after `after`.
    func loadModels(prefix: String, savedSince: Date?, after: String?, limit: Int) async throws -> [StoredModel]

    /// One round trip that reads nothing: whether the store answers (readiness).
    func ping() async throws

    /// Releases connections and threads. Call once, when no call is in flight.
    func close() async
}
