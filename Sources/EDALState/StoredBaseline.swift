import Foundation

/// A source's baseline as the store shares it between replicas: opaque bytes with a version.
public struct StoredBaseline: Sendable, Equatable {
    /// Which baseline, e.g. `source/<bucket>/<template>`.
    public var name: String
    /// Increases with every write; a save never replaces a newer version (a compare-and-set).
    public var version: Int64
    /// When its writer made it, on the writer's clock (the store keeps its own save time too).
    public var writtenAt: Date
    /// The serialised baseline (its `Codable` form).
    public var payload: [UInt8]

    public init(name: String, version: Int64, writtenAt: Date, payload: [UInt8]) {
        self.name = name
        self.version = version
        self.writtenAt = writtenAt
        self.payload = payload
    }
}
