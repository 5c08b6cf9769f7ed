import EDALDetection
import Foundation

/// The trained model of one telemetry kind: its features, baseline and IsolationForest.
public struct KindModel: Sendable, Codable, Equatable {
    public var kind: TelemetryKind
    public var spec: FeatureSpec
    public var baselines: [FeatureBaseline]
    public var forest: IsolationForest
    /// Numeric metadata fields seen in the baseline; a field never seen before is a reason to look.
    public var seenFields: Set<String>
    public var objectCount: Int
    public var version: Int64
    public var trainedAt: Date

    /// The fewest baseline objects a kind needs for a model; below it, rules only.
    public static let minimumObjects = 32

    /// One object of a baseline: what HEAD answered.
    public struct Sample: Sendable {
        public var metadata: [String: String]
        public var contentLength: Int64

        public init(metadata: [String: String], contentLength: Int64) {
            self.metadata = metadata
            self.contentLength = contentLength
        }
    }

    public enum TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
        case tooFewObjects(kind: TelemetryKind, found: Int, needed: Int)

        public var description: String {
            switch self {
            case .tooFewObjects(let kind, let found, let needed):
                return "\(found) \(kind.rawValue) objects in the baseline, \(needed) needed for a model: rules only for \(kind.rawValue)"
            }
        }
    }

    /// Trains on `samples` (objects of `kind`); missing or invalid values are imputed with the median.
    public static func train(kind: TelemetryKind, samples: [Sample], spec: FeatureSpec? = nil,
                             parameters: IsolationForest.Parameters = .init(), version: Int64, trainedAt: Date = Date()) throws -> KindModel {
        guard samples.count >= minimumObjects else {
            throw TrainingError.tooFewObjects(kind: kind, found: samples.count, needed: minimumObjects)
        }
        let spec = spec ?? FeatureSpec.standard(for: kind)
        let extracted = samples.map {
            FeatureExtractor.extract(kind: kind, metadata: $0.metadata, contentLength: $0.contentLength, spec: spec)
        }
        let baselines = spec.features.enumerated().map { index, feature in
            FeatureBaseline.of(extracted.compactMap { $0.raw[index] }, feature: feature)
        }
        let rows = extracted.map { features in
            spec.features.enumerated().map { index, feature in
                feature.transformed(features.raw[index] ?? baselines[index].rawMedian)
            }
        }
        let forest = try IsolationForest.train(rows, parameters: parameters)
        var seen: Set<String> = []
        for sample in samples {
            for (field, value) in sample.metadata where Double(value.trimmingWhitespace) != nil { seen.insert(field) }
        }
        return KindModel(kind: kind, spec: spec, baselines: baselines, forest: forest, seenFields: seen,
                         objectCount: samples.count, version: version, trainedAt: trainedAt)
    }

    /// The name the model is stored under in the state store.
    public static func storeName(for kind: TelemetryKind) -> String { "isolation-forest/\(kind.rawValue)" }
}
