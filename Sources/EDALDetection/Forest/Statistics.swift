/// The few statistics EDAL needs: robust centre and spread for baselines, ranks for evaluation.
public enum Statistics {
    /// The median of `values` (0 when empty).
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The median absolute deviation from the median, scaled by 1.4826 to estimate a standard
    /// deviation for normal data.
    public static func scaledMAD(_ values: [Double], median centre: Double? = nil) -> Double {
        let centre = centre ?? median(values)
        return 1.4826 * median(values.map { abs($0 - centre) })
    }

    /// The `q`-quantiles of `values` for each `q` in `qs` (ascending, within 0…1), interpolating
    /// linearly between order statistics: the same figures as reading a sorted copy at
    /// (n − 1)·q, found by selection in linear time instead. Reorders `values`; empty gives `[]`.
    public static func quantiles(_ values: inout [Double], at qs: [Double]) -> [Double] {
        guard !values.isEmpty else { return [] }
        let count = values.count
        return values.withUnsafeMutableBufferPointer { values in
            var results: [Double] = []
            results.reserveCapacity(qs.count)
            // Order statistics already placed: everything before `settled` is ≤ what follows.
            var settled = 0
            for q in qs {
                let position = Double(count - 1) * min(max(q, 0), 1)
                let lower = Int(position.rounded(.down))
                select(values, lower, from: lower >= settled ? settled : 0)
                settled = lower
                let low = values[lower]
                let fraction = position - Double(lower)
                guard fraction > 0, lower + 1 < count else {
                    results.append(low)
                    continue
                }
                // The next order statistic is the smallest of what lies above.
                var high = values[lower + 1]
                for index in (lower + 2)..<count where values[index] < high { high = values[index] }
                results.append(low + (high - low) * fraction)
            }
            return results
        }
    }

    /// Puts the `k`-th smallest of `values[start...]` at index `k`, smaller ones before it and
    /// larger ones after (quickselect with a median-of-three pivot and three-way partitioning,
    /// so runs of equal values — counts that are mostly 0 — stay linear).
    private static func select(_ values: UnsafeMutableBufferPointer<Double>, _ k: Int, from start: Int) {
        var low = start
        var high = values.count - 1
        while low < high {
            let middle = low + (high - low) / 2
            let a = values[low]
            let b = values[middle]
            let c = values[high]
            let pivot = max(min(a, b), min(max(a, b), c))
            var less = low
            var index = low
            var greater = high
            while index <= greater {
                if values[index] < pivot {
                    values.swapAt(less, index)
                    less += 1
                    index += 1
                } else if values[index] > pivot {
                    values.swapAt(index, greater)
                    greater -= 1
                } else {
                    index += 1
                }
            }
            if k < less { high = less - 1 } else if k > greater { low = greater + 1 } else { return }
        }
    }

    /// Ranks from 1, ties sharing their average rank.
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
            let rank = Double(start + end) / 2 + 1
            for position in start...end { ranks[order[position]] = rank }
            start = end + 1
        }
        return ranks
    }

    /// Spearman's rank correlation of two equally long samples.
    public static func spearman(_ a: [Double], _ b: [Double]) -> Double {
        pearson(ranks(a), ranks(b))
    }

    /// Pearson's correlation of two equally long samples (0 when either is constant).
    public static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "samples of different lengths")
        guard a.count > 1 else { return 0 }
        let meanA = a.reduce(0, +) / Double(a.count)
        let meanB = b.reduce(0, +) / Double(b.count)
        var covariance = 0.0
        var varianceA = 0.0
        var varianceB = 0.0
        for (x, y) in zip(a, b) {
            covariance += (x - meanA) * (y - meanB)
            varianceA += (x - meanA) * (x - meanA)
            varianceB += (y - meanB) * (y - meanB)
        }
        guard varianceA > 0, varianceB > 0 else { return 0 }
        return covariance / (varianceA * varianceB).squareRoot()
    }

    /// The area under the ROC curve of `scores` for the `positives` (higher score = more positive):
    /// the probability that a random positive outranks a random negative, ties counting half.
    /// `nil` when either class is empty.
    public static func rocAUC(scores: [Double], positives: [Bool]) -> Double? {
        precondition(scores.count == positives.count, "one label per score")
        let positiveCount = positives.filter { $0 }.count
        let negativeCount = positives.count - positiveCount
        guard positiveCount > 0, negativeCount > 0 else { return nil }
        let ranks = ranks(scores)
        let positiveRankSum = zip(ranks, positives).filter(\.1).map(\.0).reduce(0, +)
        let u = positiveRankSum - Double(positiveCount) * Double(positiveCount + 1) / 2
        return u / (Double(positiveCount) * Double(negativeCount))
    }
}
