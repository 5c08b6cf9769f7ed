import EDALDetection
import Foundation

/// Something wrong with an object's summary metadata: never a crash, always a reason to look.
public struct MetadataProblem: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Codable, Equatable {
        case missing
        case notNumeric(String)
        case absurd(Double)
    }

    public var field: String
    public var problem: Problem

    public var description: String {
        switch problem {
        case .missing: return "\(field) is missing"
        case .notNumeric(let text): return "\(field) is not a number: \"\(text.prefix(40))\""
        case .absurd(let value): return "\(field) = \(value) is impossible"
        }
    }
}

/// The numbers a model scores, read from one HEAD result.
public struct ExtractedFeatures: Sendable, Equatable {
    public var kind: TelemetryKind?
    /// One raw value per feature of the spec, `nil` where the metadata is missing or unusable.
    public var raw: [Double?]
    public var problems: [MetadataProblem]
}

/// Reads features from HEAD metadata according to a `FeatureSpec`.
public enum FeatureExtractor {
    /// The features of an object of `kind` with these user `metadata` (names without `x-amz-meta-`,
    /// lower case) and `contentLength`.
    public static func extract(kind: TelemetryKind?, metadata: [String: String], contentLength: Int64,
                               spec: FeatureSpec) -> ExtractedFeatures {
        var raw: [Double?] = []
        raw.reserveCapacity(spec.features.count)
        var problems: [MetadataProblem] = []
        for feature in spec.features {
            let value: Double
            if feature.field == "content-length" {
                value = Double(contentLength)
            } else {
                guard let text = metadata[feature.field] else {
                    problems.append(MetadataProblem(field: feature.field, problem: .missing))
                    raw.append(nil)
                    continue
                }
                guard let parsed = Double(text.trimmingWhitespace) else {
                    problems.append(MetadataProblem(field: feature.field, problem: .notNumeric(text)))
                    raw.append(nil)
                    continue
                }
                value = parsed
            }
            guard value.isFinite, feature.validRange.contains(value) else {
                problems.append(MetadataProblem(field: feature.field, problem: .absurd(value)))
                raw.append(nil)
                continue
            }
            raw.append(value)
        }
        return ExtractedFeatures(kind: kind, raw: raw, problems: problems)
    }

    /// The features of a HEAD result, its kind taken from metadata or key.
    public static func extract(_ head: S3ObjectHead, specs: (TelemetryKind) -> FeatureSpec = FeatureSpec.standard) -> ExtractedFeatures {
        let kind = TelemetryKind.of(metadata: head.metadata, key: head.key)
        guard let kind else {
            return ExtractedFeatures(kind: nil, raw: [], problems: [MetadataProblem(field: "kind", problem: .missing)])
        }
        return extract(kind: kind, metadata: head.metadata, contentLength: head.contentLength, spec: specs(kind))
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space.
    var trimmingWhitespace: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
