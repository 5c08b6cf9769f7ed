import EDALDetection
import Foundation

/// The verdict on one object.
public struct Detection: Sendable, Codable, Equatable {
    public var kind: TelemetryKind?
    public var anomalous: Bool
    /// The IsolationForest score in (0, 1], when a model exists for the kind.
    public var score: Double?
    /// The score at or above which an object is anomalous.
    public var threshold: Double
    public var reasons: [DetectionReason]
    /// The model that scored it: version and training time, `nil` when rules alone decided.
    public var modelVersion: Int64?
    public var trainedAt: Date?
    /// The numeric metadata the decision used (field → value).
    public var features: [String: Double]
    /// Whether a signal is published for it: when anomalous, or always in continuous mode.
    public var emit: Bool
}
