import EDALDetection
import Foundation

/// The kinds of trouble the producer profiles inject, each labelled in the ground truth.
public enum IncidentKind: String, Sendable, Codable, CaseIterable, Comparable {
    /// A source stops delivering for hours, then resumes.
    case silence
    /// Dozens of extra objects within minutes.
    case burst
    /// One object stored hours after the time its key carries.
    case lateDelivery = "late-delivery"
    /// One object many times the usual size.
    case sizeBlowUp = "size-blow-up"
    /// One object of a few bytes.
    case nearEmpty = "near-empty"
    /// One object with another encryption setting or KMS key.
    case encryptionDrift = "encryption-drift"
    /// One object written by a principal the source never had.
    case newWriter = "new-writer"
    /// One object with another content type.
    case contentTypeChange = "content-type-change"
    /// A source that starts delivering mid-day.
    case newSource = "new-source"
    /// Four objects in a row with a content type the source never had: each is news until the
    /// value is established.
    case valueEpisode = "value-episode"
    /// For three hours one of two nodes (or every other delivery) stops: the rate halves while
    /// the source never goes silent.
    case rateDrop = "rate-drop"
    /// One object whose key carries a time 30 minutes to 2 hours after LastModified.
    case clockAhead = "clock-ahead"
    /// Three objects delivered again about three hours later: the same content under new keys.
    case replayedBatch = "replayed-batch"
    /// From a moment on, the source's keys gain a `v2/` directory before the file name (a
    /// shipper's upgrade): its old template stops, a new one starts.
    case layoutChange = "layout-change"
    /// Over the measured week the source's objects grow steadily to twice their size: one trend,
    /// no object far from its neighbours.
    case sizeGrowth = "size-growth"
    // The MELT generator's shapes (summary metadata).
    case errorBurst = "error-burst"
    case latencySpike = "latency-spike"
    case unseenSeverity = "unseen-severity"

    public static func < (lhs: IncidentKind, rhs: IncidentKind) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }

    /// Whether the incident is about a source as a whole (found by a source event) rather than one object.
    public var isSourceLevel: Bool {
        [.silence, .burst, .newSource, .rateDrop, .layoutChange, .sizeGrowth].contains(self)
    }

    /// The checks that find this incident.
    public var findingChecks: Set<SourceCheck> {
        switch self {
        case .silence: return [.silentSource]
        case .burst: return [.burst]
        case .lateDelivery: return [.lateDelivery]
        case .sizeBlowUp: return [.sizeBlowUp, .isolationScore, .metadataValue]
        case .nearEmpty: return [.nearEmpty, .isolationScore, .metadataValue]
        case .encryptionDrift, .newWriter, .contentTypeChange, .valueEpisode: return [.drift]
        case .newSource: return [.newSource]
        case .rateDrop: return [.rateDrop]
        case .clockAhead: return [.clockAhead]
        case .replayedBatch: return [.replayed]
        case .layoutChange: return [.layoutChanged]
        case .sizeGrowth: return [.sizeTrend]
        case .errorBurst, .latencySpike: return [.isolationScore, .metadataValue]
        case .unseenSeverity: return [.newField, .drift, .isolationScore, .metadataValue]
        }
    }
}

/// One injected incident: which source, which object (for object-level ones) and when.
public struct Incident: Sendable, Codable, Equatable {
    public var kind: IncidentKind
    public var sourceId: String
    /// The object carrying it (object-level incidents).
    public var key: String?
    public var start: Date
    /// When it is over: a silence's resumption, a burst's last extra object.
    public var end: Date
}
