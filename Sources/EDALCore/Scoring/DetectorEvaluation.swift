import EDALDetection
import Foundation

/// Measures a detector against synthetic data with known anomalies: train on a clean baseline,
/// score fresh objects, compare with the ground truth.
public struct DetectorEvaluation: Sendable {
    public struct Options: Sendable {
        public var seed: UInt64
        public var baselineObjects: Int
        public var testObjects: Int
        public var anomalyRate: Double
        public var objectSize: Int
        public var thresholds: [Double]
        public var treeCount: Int

        public init(seed: UInt64 = 7, baselineObjects: Int = 2_000, testObjects: Int = 4_000, anomalyRate: Double = 0.05,
                    objectSize: Int = 8 * 1024, thresholds: [Double] = [0.50, 0.55, 0.60, 0.65, 0.70], treeCount: Int = 100) {
            self.seed = seed
            self.baselineObjects = baselineObjects
            self.testObjects = testObjects
            self.anomalyRate = anomalyRate
            self.objectSize = objectSize
            self.thresholds = thresholds
            self.treeCount = treeCount
        }
    }

    /// Detection quality for one anomaly shape (or all of them: `shape == nil`).
    public struct ShapeResult: Sendable {
        public var shape: AnomalyShape?
        public var count: Int
        /// Share of these anomalies the detector flagged.
        public var recall: Double
        /// Share of flagged objects that were these anomalies (with all shapes: precision proper).
        public var precision: Double
        /// ROC AUC of the model's score alone: these anomalies against the normal objects.
        public var scoreAUC: Double?
    }

    public struct ThresholdResult: Sendable {
        public var threshold: Double
        public var precision: Double
        public var recall: Double
        public var falsePositiveRate: Double
    }

    public struct Report: Sendable {
        public var options: Options
        public var shapes: [ShapeResult]
        public var overall: ShapeResult
        public var thresholds: [ThresholdResult]
        public var falsePositiveRate: Double
    }

    public let options: Options

    public init(options: Options) {
        self.options = options
    }

    /// Runs the evaluation with `configuration` (its threshold is the one the shape figures use).
    public func run(configuration: Detector.Configuration = .init()) throws -> Report {
        let baselineGenerator = SyntheticMELT(options: .init(seed: options.seed, objectSize: options.objectSize, anomalyRate: 0))
        var samples: [TelemetryKind: [KindModel.Sample]] = [:]
        for index in 0..<options.baselineObjects {
            let object = baselineGenerator.object(at: index)
            samples[object.kind, default: []].append(KindModel.Sample(metadata: object.metadata, contentLength: Int64(object.body.count)))
        }
        var models: [TelemetryKind: KindModel] = [:]
        for (kind, kindSamples) in samples {
            models[kind] = try KindModel.train(kind: kind, samples: kindSamples,
                                               parameters: .init(treeCount: options.treeCount, seed: options.seed), version: 1)
        }

        // Test objects: same services, later in time, another seed stream.
        let testGenerator = SyntheticMELT(options: .init(
            seed: options.seed, objectSize: options.objectSize, anomalyRate: options.anomalyRate,
            start: baselineGenerator.options.start.addingTimeInterval(Double(options.baselineObjects))
        ))
        // Only what HEAD would answer is kept: key, metadata, size.
        let tests = (0..<options.testObjects).map { index in
            let object = testGenerator.object(at: options.baselineObjects + index)
            return (key: object.key, metadata: object.metadata, size: Int64(object.body.count), anomaly: object.anomaly)
        }
        let truth = tests.map(\.anomaly)
        // One pass with the score unable to fire tells, per object, its score and whether a rule or
        // check flags it anyway; any threshold's verdict follows from those two without scoring again.
        var checksOnly = configuration
        checksOnly.scoreThreshold = .infinity
        let detector = Detector(configuration: checksOnly, models: models)
        let detections = tests.map { detector.detect(key: $0.key, metadata: $0.metadata, contentLength: $0.size) }
        let modelScores = detections.map { $0.score ?? 0 }
        func flags(at threshold: Double) -> [Bool] {
            detections.map { $0.anomalous || ($0.score ?? 0) >= threshold }
        }

        let flagged = flags(at: configuration.scoreThreshold)
        let normalIndices = truth.indices.filter { truth[$0] == nil }
        let falsePositives = normalIndices.filter { flagged[$0] }.count
        func result(for shape: AnomalyShape?) -> ShapeResult {
            let members = truth.indices.filter { shape == nil ? truth[$0] != nil : truth[$0] == shape }
            let hits = members.filter { flagged[$0] }.count
            let flaggedCount = flagged.filter { $0 }.count
            // Per shape: of the objects flagged that were this shape or normal, the share that were this shape.
            let precisionBase = shape == nil ? flaggedCount : hits + falsePositives
            let indices = members + normalIndices
            let auc = Statistics.rocAUC(scores: indices.map { modelScores[$0] }, positives: indices.map { truth[$0] != nil })
            return ShapeResult(shape: shape, count: members.count,
                               recall: members.isEmpty ? 0 : Double(hits) / Double(members.count),
                               precision: precisionBase == 0 ? 0 : Double(hits) / Double(precisionBase),
                               scoreAUC: auc)
        }

        var thresholds: [ThresholdResult] = []
        for threshold in options.thresholds {
            var truePositives = 0, flaggedCount = 0, falseCount = 0
            for (anomalous, shape) in zip(flags(at: threshold), truth) where anomalous {
                flaggedCount += 1
                if shape != nil { truePositives += 1 } else { falseCount += 1 }
            }
            let positives = truth.filter { $0 != nil }.count
            thresholds.append(ThresholdResult(
                threshold: threshold,
                precision: flaggedCount == 0 ? 0 : Double(truePositives) / Double(flaggedCount),
                recall: positives == 0 ? 0 : Double(truePositives) / Double(positives),
                falsePositiveRate: normalIndices.isEmpty ? 0 : Double(falseCount) / Double(normalIndices.count)
            ))
        }

        let shapes = AnomalyShape.allCases.map { result(for: $0) }.filter { $0.count > 0 }
        return Report(options: options, shapes: shapes, overall: result(for: nil), thresholds: thresholds,
                      falsePositiveRate: normalIndices.isEmpty ? 0 : Double(falsePositives) / Double(normalIndices.count))
    }
}
