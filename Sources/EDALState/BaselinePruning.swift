import Foundation

/// A store that deletes baselines nobody has saved for a while (both stores). A source's baseline
/// is saved whenever the source delivers, so one not saved for a retention window belongs to a
/// source that stopped long ago; deleting it keeps the stored baselines bounded when key layouts
/// keep producing new sources.
public protocol BaselinePruning: BaselineStore {
    /// Deletes the baselines whose names start with `prefix` and that were last saved before
    /// `cutoff` (on this host's clock, converted to the store's as `loadBaselines` does); answers
    /// how many it deleted.
    func pruneBaselines(prefix: String, savedBefore cutoff: Date) async throws -> Int
}
