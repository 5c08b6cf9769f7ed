import EDALDetection
/// What "normal" looked like for one feature in the baseline a model was trained on.
public struct FeatureBaseline: Sendable, Codable, Equatable {
    /// The median of the raw values (as the metadata states them): imputed for missing values and shown in reasons.
    public var rawMedian: Double
    /// Median and spread (scaled MAD, or the standard deviation when the MAD is 0) of the transformed values.
    public var median: Double
    public var spread: Double
    /// The range of the transformed values.
    public var minimum: Double
    public var maximum: Double

    /// The baseline of `raw` values (finite, valid), transformed by `feature`.
    public static func of(_ raw: [Double], feature: FeatureSpec.Feature) -> FeatureBaseline {
        let transformed = raw.map(feature.transformed)
        let median = Statistics.median(transformed)
        var spread = Statistics.scaledMAD(transformed, median: median)
        if spread == 0, transformed.count > 1 {
            let mean = transformed.reduce(0, +) / Double(transformed.count)
            spread = (transformed.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(transformed.count - 1)).squareRoot()
        }
        return FeatureBaseline(
            rawMedian: Statistics.median(raw), median: median, spread: spread,
            minimum: transformed.min() ?? 0, maximum: transformed.max() ?? 0
        )
    }

    /// The baseline never varied: any other value is one it has never seen.
    public var isConstant: Bool { maximum == minimum }

    /// How many spreads `transformed` lies from the median.
    public func deviation(_ transformed: Double) -> Double {
        guard spread > 0 else { return transformed == median ? 0 : .infinity }
        return (transformed - median) / spread
    }
}
