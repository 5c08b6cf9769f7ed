import EDALDetection
/// Why an object was judged as it was: part of every signal.
public struct DetectionReason: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// A configured rule fired.
        case rule
        /// A feature that drove the model's score, against the baseline's median and spread.
        case feature
        /// A value the baseline never varied from, or a metadata field it never saw.
        case unseen
        /// Summary metadata missing, not a number, or impossible.
        case metadata
    }

    public var kind: Kind
    public var field: String
    /// The object's value, where there is one.
    public var value: Double?
    /// The baseline's median (raw units) and the value's distance from it in baseline spreads.
    public var baselineMedian: Double?
    public var deviation: Double?
    public var detail: String

    enum CodingKeys: String, CodingKey {
        case kind, field, value, baselineMedian = "baseline_median", deviation, detail
    }

    public init(kind: Kind, field: String, value: Double? = nil, baselineMedian: Double? = nil,
                deviation: Double? = nil, detail: String) {
        self.kind = kind
        self.field = field
        self.value = value
        self.baselineMedian = baselineMedian
        self.deviation = deviation
        self.detail = detail
    }
}
