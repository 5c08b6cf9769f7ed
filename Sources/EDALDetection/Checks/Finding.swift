import Foundation

/// The checks EDAL runs on sources and their objects; each names what fired in a signal.
public enum SourceCheck: String, Sendable, Codable, CaseIterable, Comparable {
    // Source-level events: one signal per source and episode.
    /// A source EDAL had never seen delivered its first object.
    case newSource = "new_source"
    /// A source delivered nothing for `k` times its usual interval.
    case silentSource = "silent_source"
    /// A silent source delivered again.
    case resumed
    /// Far more objects or bytes in a window than the source usually delivers.
    case burst
    /// Many new key templates under one prefix in a short time, or a bucket at its bound of
    /// sources: announced once instead of one new source each.
    case sourceStorm = "source_storm"
    /// Far fewer objects in a window than the source usually delivers, while it keeps delivering:
    /// a producer that partly fails (one of two nodes, one of four partitions).
    case rateDrop = "rate_drop"
    /// A source stopped while a new template started under the same directory (a shipper's
    /// upgrade): one signal instead of a silence and a new source.
    case layoutChanged = "layout_changed"
    /// The source's objects grew (or shrank) steadily over days, the same weekdays a week apart
    /// compared: signalled once per trend.
    case sizeTrend = "size_trend"

    // Object-level checks: reasons in the object's signal.
    /// Many times the source's usual size.
    case sizeBlowUp = "size_blow_up"
    /// A tiny fraction of the usual size.
    case nearEmpty = "near_empty"
    /// Stored much later after the time its key carries than the source's objects usually are.
    case lateDelivery = "late_delivery"
    /// The key carries a time well after LastModified, far from the source's usual: the producer's
    /// clock runs ahead.
    case clockAhead = "clock_ahead"
    /// The same content (ETag and size) as an object the source delivered before, under another
    /// key: a batch delivered again.
    case replayed
    /// A content type, encoding, encryption, KMS key, storage class, writer, network or set of
    /// metadata fields the source never had.
    case drift
    /// A numeric metadata field the source never had.
    case newField = "new_field"
    /// A numeric metadata value far outside the source's baseline.
    case metadataValue = "metadata_value"
    /// The source's IsolationForest over its numeric features scored the object as an outlier.
    case isolationScore = "isolation_score"
    /// A configured rule fired.
    case rule

    public static func < (lhs: SourceCheck, rhs: SourceCheck) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }

    /// Whether the check is about the source as a whole rather than one object.
    public var isSourceEvent: Bool {
        switch self {
        case .newSource, .silentSource, .resumed, .burst, .sourceStorm, .rateDrop, .layoutChanged, .sizeTrend:
            return true
        default: return false
        }
    }
}

/// One check that fired, with what was seen and what the baseline expected.
public struct Finding: Sendable, Codable, Equatable {
    public var check: SourceCheck
    /// The attribute or metadata field, where the check is about one.
    public var field: String?
    /// The value seen, as text for categories.
    public var value: String?
    /// The number seen, and the baseline's median (or expected value) in the same unit.
    public var observed: Double?
    public var expected: Double?
    /// How far `observed` lies from `expected`, in baseline spreads, where that means something.
    public var deviation: Double?
    /// One sentence for a person.
    public var detail: String
    /// The user-metadata fields this finding names, in its fields or its detail: what a policy
    /// that keeps some names or values out of signals (`EDAL_SIGNAL_METADATA`) must look at.
    public var metadataNames: [String]?

    public init(
        check: SourceCheck, field: String? = nil, value: String? = nil, observed: Double? = nil,
        expected: Double? = nil, deviation: Double? = nil, detail: String, metadataNames: [String]? = nil
    ) {
        self.check = check
        self.field = field
        self.value = value
        self.observed = observed
        self.expected = expected
        self.deviation = deviation
        self.detail = detail
        self.metadataNames = metadataNames
    }
}

/// The baseline a verdict was drawn against, as a signal shows it.
public struct BaselineSummary: Sendable, Codable, Equatable {
    /// Objects the baseline has seen in all, and how many recent ones its statistics use.
    public var objects: Int64
    public var recent: Int
    /// Seconds between deliveries, usually (`nil` until two objects arrived).
    public var cadenceSeconds: Double?
    public var medianSize: Double?
    /// Seconds from the key's own time to LastModified, usually.
    public var medianLagSeconds: Double?
    public var state: SourceBaseline.State

    public init(
        objects: Int64, recent: Int, cadenceSeconds: Double?, medianSize: Double?, medianLagSeconds: Double?,
        state: SourceBaseline.State
    ) {
        self.objects = objects
        self.recent = recent
        self.cadenceSeconds = cadenceSeconds
        self.medianSize = medianSize
        self.medianLagSeconds = medianLagSeconds
        self.state = state
    }
}
