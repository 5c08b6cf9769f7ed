import EDALDetection
/// Decides whether an object's metadata looks anomalous: the kind's model, the configured rules,
/// and checks for metadata never seen in the baseline.
public struct Detector: Sendable {
    /// What gets published: anomalies only, or every object with its score.
    public enum Mode: String, Sendable, Equatable, Codable {
        case anomalies
        case continuous
    }

    public struct Configuration: Sendable, Equatable {
        /// `continuous` publishes a signal for every object, anomalous or not, with its score.
        public var mode: Mode = .anomalies
        /// Objects scoring at or above this are anomalous. 0.5 is "no clearer than average"; chosen
        /// from `edal evaluate` on synthetic data (see the README).
        public var scoreThreshold: Double
        public var rules: [AnomalyRule]
        /// Missing, non-numeric or impossible summary metadata makes an object anomalous.
        public var flagMetadataProblems: Bool
        /// A value the baseline never varied from, or a numeric field it never had, makes an object anomalous.
        public var flagUnseen: Bool

        /// A feature this many baseline spreads (scaled MAD) from the baseline median makes an object
        /// anomalous on its own, whatever the score: the forest dilutes a one-feature outlier
        /// across the other features. `nil` turns the check off.
        public var extremeDeviation: Double?

        public init(scoreThreshold: Double = 0.65, rules: [AnomalyRule] = [], flagMetadataProblems: Bool = true, flagUnseen: Bool = true,
                    extremeDeviation: Double? = 8) {
            self.scoreThreshold = scoreThreshold
            self.extremeDeviation = extremeDeviation
            self.rules = rules
            self.flagMetadataProblems = flagMetadataProblems
            self.flagUnseen = flagUnseen
        }
    }

    public var configuration: Configuration
    public var models: [TelemetryKind: KindModel]

    public init(configuration: Configuration = .init(), models: [TelemetryKind: KindModel] = [:]) {
        self.configuration = configuration
        self.models = models
    }

    /// Descriptive fields that are never scored, so never "unseen".
    static let descriptiveFields: Set<String> = ["kind", "service", "environment", "schema", "time-start", "time-end"]

    /// Judges an object from its HEAD: `metadata` names without `x-amz-meta-`.
    public func detect(key: String, metadata: [String: String], contentLength: Int64) -> Detection {
        let kind = TelemetryKind.of(metadata: metadata, key: key)
        var reasons: [DetectionReason] = []
        var features: [String: Double] = ["content-length": Double(contentLength)]

        for rule in configuration.rules {
            if let value = rule.firingValue(kind: kind, metadata: metadata, contentLength: contentLength) {
                reasons.append(DetectionReason(kind: .rule, field: rule.field, value: value, detail: "rule \(rule) fired"))
                features[rule.field] = value
            }
        }

        guard let kind, let model = models[kind] else {
            if kind == nil, configuration.flagMetadataProblems {
                reasons.append(DetectionReason(kind: .metadata, field: "kind", detail: "no kind in metadata or key prefix"))
            }
            return Detection(kind: kind, anomalous: !reasons.isEmpty, score: nil, threshold: configuration.scoreThreshold,
                             reasons: reasons, modelVersion: nil, trainedAt: nil, features: features,
                             emit: configuration.mode == .continuous || !reasons.isEmpty)
        }

        let extracted = FeatureExtractor.extract(kind: kind, metadata: metadata, contentLength: contentLength, spec: model.spec)
        if configuration.flagMetadataProblems {
            for problem in extracted.problems {
                reasons.append(DetectionReason(kind: .metadata, field: problem.field, detail: problem.description))
            }
        }
        var row: [Double] = []
        row.reserveCapacity(model.spec.features.count)
        var deviations: [(index: Int, deviation: Double)] = []
        for (index, feature) in model.spec.features.enumerated() {
            let baseline = model.baselines[index]
            let raw = extracted.raw[index]
            let value = feature.transformed(raw ?? baseline.rawMedian)
            row.append(value)
            guard let raw else { continue }
            features[feature.field] = raw
            if configuration.flagUnseen, baseline.isConstant, value != baseline.minimum {
                reasons.append(DetectionReason(kind: .unseen, field: feature.field, value: raw, baselineMedian: baseline.rawMedian,
                                               detail: "\(feature.field) = \(raw); the baseline only ever had \(baseline.rawMedian)"))
            }
            let deviation = baseline.deviation(value)
            deviations.append((index, deviation))
            if let limit = configuration.extremeDeviation, !baseline.isConstant, abs(deviation) >= limit {
                reasons.append(Self.featureReason(feature, baseline, raw: raw, deviation: deviation))
            }
        }
        if configuration.flagUnseen {
            var unseen: [(field: String, value: Double)] = []
            for (field, text) in metadata where !model.seenFields.contains(field) && !Self.descriptiveFields.contains(field) {
                if let value = Double(text.trimmingWhitespace) { unseen.append((field, value)) }
            }
            for (field, value) in unseen.sorted(by: { $0.field < $1.field }) {
                reasons.append(DetectionReason(kind: .unseen, field: field, value: value, detail: "\(field) never appeared in the baseline"))
            }
        }

        let score = model.forest.score(row)
        let scoreFires = score >= configuration.scoreThreshold
        if scoreFires {
            // The features furthest from the baseline explain the score.
            let explained = Set(reasons.filter { $0.kind == .feature }.map(\.field))
            let drivers = deviations.filter { abs($0.deviation) >= 2 && !explained.contains(model.spec.features[$0.index].field) }.sorted { abs($0.deviation) > abs($1.deviation) }.prefix(3)
            for driver in drivers.isEmpty ? Array(deviations.sorted { abs($0.deviation) > abs($1.deviation) }.prefix(1)) : Array(drivers) {
                let baseline = model.baselines[driver.index]
                reasons.append(Self.featureReason(model.spec.features[driver.index], baseline,
                                                  raw: extracted.raw[driver.index] ?? baseline.rawMedian, deviation: driver.deviation))
            }
        }
        let anomalous = scoreFires || !reasons.isEmpty
        return Detection(kind: kind, anomalous: anomalous, score: score, threshold: configuration.scoreThreshold,
                         reasons: reasons, modelVersion: model.version, trainedAt: model.trainedAt, features: features,
                         emit: configuration.mode == .continuous || anomalous)
    }

    /// A feature against its baseline: "error-rate = 0.4, 52 spreads above the baseline median 0.01".
    static func featureReason(_ feature: FeatureSpec.Feature, _ baseline: FeatureBaseline, raw: Double, deviation: Double) -> DetectionReason {
        let direction = deviation >= 0 ? "above" : "below"
        let distance = deviation.isFinite ? String(Int(abs(deviation).rounded())) : "∞"
        return DetectionReason(kind: .feature, field: feature.field, value: raw, baselineMedian: baseline.rawMedian,
                               deviation: deviation.isFinite ? deviation : nil,
                               detail: "\(feature.field) = \(raw), \(distance) spreads \(direction) the baseline median \(baseline.rawMedian)")
    }
}
