import Foundation

/// A store that deletes models nobody has saved for a while (both stores). Source baselines are
/// saved whenever their source delivers, so one not saved for a retention window belongs to a
/// source that stopped long ago; deleting it keeps the `models` collection bounded when key layouts
/// keep producing new sources.
public protocol ModelPruning: StateStore {
    /// Deletes the models whose names start with `prefix` and that were last saved more than `age`
    /// ago by the store's own clock; answers how many it deleted.
    func pruneModels(prefix: String, notSavedFor age: Duration) async throws -> Int
}
