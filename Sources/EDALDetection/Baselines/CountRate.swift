import Foundation

/// A count field's usual rate per object (errors, records, severities), and how far the counts
/// spread beyond what a Poisson count would.
///
/// A spread in ln(1 + n) is the delta method's, right for large counts and far too wide for
/// small ones: at a usual 1 error per object it makes 19 errors 3.3 spreads away, where a Poisson
/// count of mean 1 reaches 19 once in 10¹⁷ objects. Only small counts are judged so: larger ones
/// (records per object) vary with the traffic, a product rather than a sum of chances, and their
/// tail is far heavier than a Poisson count's (on ten weeks of MELT-shaped sources, record counts
/// twice the usual 70 came eight times; a Poisson tail put them at one in 10⁸ to 10¹²).
public struct CountRate: Sendable, Equatable {
    /// Counts whose 95th percentile is above this are left to the spread of ln(1 + n).
    public static let smallCountLimit: Double = 10

    /// The mean count per object, the counts above the 95th percentile capped at it (an earlier
    /// incident in the window does not raise what is usual).
    public var mean: Double
    /// Variance over mean, at least 1: counts that vary more than Poisson counts (objects of
    /// different sizes) are judged on a scaled count, `n / dispersion` ~ Poisson(mean / dispersion).
    public var dispersion: Double

    /// Nil when `values` is empty or its counts are not small (`cap`, their 95th percentile, is above
    /// `smallCountLimit`).
    init?(_ values: [Double], cappedAt cap: Double) {
        guard !values.isEmpty, cap <= Self.smallCountLimit else { return nil }
        var sum = 0.0
        var squares = 0.0
        for value in values {
            let capped = min(value, cap)
            sum += capped
            squares += capped * capped
        }
        let count = Double(values.count)
        mean = sum / count
        let variance = count > 1 ? max(0, (squares - sum * sum / count) / (count - 1)) : 0
        dispersion = mean > 0 ? max(1, variance / mean) : 1
    }

    /// ln P(N ≥ `count`) for a count of this rate (0 when `count` is not above the mean).
    public func logUpperTail(_ count: Double) -> Double {
        let rate = max(mean, 0.01) / dispersion
        let scaled = count / dispersion
        guard scaled > rate else { return 0 }
        // Σ_{j ≥ k} e^{-μ} μ^j / j!: the terms fall by μ / (j + 1), so a few dozen reach 1e-12 of the first.
        let first = -rate + scaled * Foundation.log(rate) - lgamma(scaled + 1)
        var term = 1.0
        var sum = 1.0
        var index = scaled
        for _ in 0..<200 {
            index += 1
            term *= rate / index
            sum += term
            if term < sum * 1e-12 { break }
        }
        return min(0, first + Foundation.log(sum))
    }
}
