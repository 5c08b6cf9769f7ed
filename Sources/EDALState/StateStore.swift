import Foundation

/// Where EDAL keeps what must survive a crash and be shared by replicas, one protocol per concern:
/// object claims (`ClaimStore`), named leases (`LeaseStore`), sweep watermarks (`WatermarkStore`)
/// and the sources' baselines (`BaselineStore`). Each part of the worker takes only the concern it
/// uses, so a test's stand-in implements only that.
///
/// Every call is one round trip to the store for the whole batch given to it. Implementations:
/// `MongoStateStore` (fleets) and `SQLiteStateStore` (one host); `StateStoreFactory` picks one by URI.
public protocol StateStore: ClaimStore, LeaseStore, WatermarkStore, BaselineStore {
    /// A short name for logs, e.g. `mongodb://db1:27017/edal`, without credentials.
    var displayName: String { get }

    /// Round trips made to the store since it was opened: commands sent to MongoDB, calls into SQLite.
    var roundTrips: UInt64 { get }

    /// One round trip that reads nothing: whether the store answers (readiness).
    func ping() async throws

    /// Releases connections and threads. Call once, when no call is in flight.
    func close() async
}
