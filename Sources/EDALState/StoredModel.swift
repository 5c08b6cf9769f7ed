import Foundation

/// A trained scoring model as the store shares it between replicas: opaque bytes with a version.
public struct StoredModel: Sendable, Equatable {
    /// Which model, e.g. `isolation-forest/logs`.
    public var name: String
    /// Increases with every retraining; a save never replaces a newer version.
    public var version: Int64
    public var trainedAt: Date
    /// The serialised model (the scorer's `Codable` form).
    public var payload: [UInt8]

    public init(name: String, version: Int64, trainedAt: Date, payload: [UInt8]) {
        self.name = name
        self.version = version
        self.trainedAt = trainedAt
        self.payload = payload
    }
}
