import Foundation

/// The sources' baselines, shared by replicas as versioned documents.
public protocol BaselineStore: Sendable {
    /// Stores `baseline` unless one of that name with a newer or equal version is stored; returns
    /// `true` when it was stored.
    @discardableResult
    func saveBaseline(_ baseline: StoredBaseline) async throws -> Bool

    /// The stored baseline called `name`, if any.
    func loadBaseline(named name: String) async throws -> StoredBaseline?

    /// `saveBaseline` for several baselines in one round trip; answers per baseline whether it was
    /// stored. With versions increased by one from what was read, this is a compare-and-set: of two
    /// writers that read the same version, one wins.
    func saveBaselines(_ baselines: [StoredBaseline]) async throws -> [Bool]

    /// The stored baselines whose names start with `prefix`, saved at or after `savedSince` (all
    /// when `nil`), at most `limit` per call, in name order after `after`.
    func loadBaselines(prefix: String, savedSince: Date?, after: String?, limit: Int) async throws -> [StoredBaseline]
}
