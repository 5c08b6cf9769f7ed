import Foundation

/// A store that deletes models nobody has saved for a while (both stores). Source baselines are
/// saved whenever their source delivers, so one not saved for a retention window belongs to a
/// source that stopped long ago; deleting it keeps the `models` collection bounded when key layouts
/// keep producing new sources.
public protocol ModelPruning: StateStore {
    /// Deletes the models whose names start with `prefix` and that were last saved before `cutoff`
    /// (on this host's clock, converted to the store's as `loadModels` does); answers how many it
    /// deleted.
    func pruneModels(prefix: String, savedBefore cutoff: Date) async throws -> Int
}
