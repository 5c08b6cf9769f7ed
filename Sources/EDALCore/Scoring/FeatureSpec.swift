import EDALDetection
import Foundation

/// Which numbers of an object's HEAD a model looks at, per telemetry kind, and how.
///
/// Fields are `x-amz-meta-*` names without the prefix (`error-rate`), or `content-length`.
/// The defaults match what `edal generate` (and a shipper summarising its own objects) writes.
public struct FeatureSpec: Sendable, Codable, Equatable {
    public enum Transform: String, Sendable, Codable {
        case identity
        /// ln(1 + x): for counts, sizes and latencies, whose spread grows with their size.
        case log1p
    }

    public struct Feature: Sendable, Codable, Equatable {
        public var field: String
        public var transform: Transform
        /// The values that make sense; anything else is "absurd" metadata (reported, then imputed).
        public var validRange: ClosedRange<Double>

        public init(_ field: String, _ transform: Transform = .identity, valid: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude) {
            self.field = field
            self.transform = transform
            self.validRange = valid
        }

        public func transformed(_ value: Double) -> Double {
            switch transform {
            case .identity: return value
            case .log1p: return Foundation.log1p(value)
            }
        }
    }

    public var features: [Feature]

    public init(features: [Feature]) {
        self.features = features
    }

    public var fieldNames: [String] { features.map(\.field) }

    /// The default features of each kind.
    public static func standard(for kind: TelemetryKind) -> FeatureSpec {
        let common: [Feature] = [
            Feature("content-length", .log1p),
            Feature("record-count", .log1p),
            Feature("time-span-seconds", .log1p),
            Feature("error-rate", valid: 0...1),
        ]
        switch kind {
        case .logs:
            return FeatureSpec(features: common + [Feature("severity-warn", .log1p), Feature("severity-error", .log1p)])
        case .traces:
            return FeatureSpec(features: common + [Feature("latency-p50-ms", .log1p), Feature("latency-p99-ms", .log1p)])
        case .metrics:
            return FeatureSpec(features: common + [Feature("series-count", .log1p), Feature("latency-p99-ms", .log1p)])
        case .events:
            return FeatureSpec(features: common + [Feature("event-types", .log1p)])
        }
    }
}
